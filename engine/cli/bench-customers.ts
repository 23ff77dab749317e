// Simulated customers for the benchmark and the multi-instance fault tests: each one's whole intake
// (opening, answers, confirmation) with what the bot must be asking after each line, so a driver can
// check that every reply is the right one for its turn. Varied so caches don't flatter.

export const TICKET = /[A-Z]{1,4}-\d{8}-[0-9A-Z]{6}/;

export type Turn = [text: string, expected: RegExp];

export function customerScript(i: number): Turn[] {
  const account = String(3300000000 + i);
  const phone = `139${String(10000000 + i).slice(-8)}`;
  switch (i % 4) {
    case 0:
      return [
        ['你好', /智能助手/],
        ['这个月电费比上个月翻了一倍，肯定是算错了', /什么时候发生/],
        ['前天', /怎么处理/],
        ['退还多收的钱', /户号/],
        [account, /联系电话/],
        [phone, /怎么通知/],
        ['短信', /核对/],
        ['确认', TICKET],
      ];
    case 1:
      return [
        ['Hello', /assistant/],
        ['My power went out yesterday at 8pm and nobody told us about a planned outage', /what would you like us to do/i],
        ['An explanation', /customer number/i],
        [account, /phone number/i],
        [phone, /keep you updated/i],
        ['Here in this chat', /check I have this right/i],
        ['yes', TICKET],
      ];
    case 2:
      return [
        ['我家这个星期已经停了三次电了，能不能解决一下', /什么时候发生/],
        ['上周三晚上', /怎么处理/],
        ['尽快解决问题', /户号/],
        [`户号${account}`, /联系电话/],
        [phone, /怎么通知/],
        ['电话联系', /核对/],
        ['对', TICKET],
      ];
    default:
      return [
        ['The staff at the service hall were rude to me when I asked about my bill', /when did this happen/i],
        ['this morning', /what would you like/i],
        ['An apology', /phone number/i],
        [phone, /keep you updated/i],
        ['By text message', /check I have this right/i],
        ["Yes, that's right", TICKET],
      ];
  }
}
