import { describe, expect, it } from 'vitest';
import { harness, TICKET_RE } from '../helpers/harness.ts';

describe('intake in English', () => {
  it('takes what the first message says, asks only for the rest, restates, and files a graded ticket', async () => {
    const h = harness();
    const done = await h.script('en1', [
      ['Hello', /assistant/i],
      ['My power went out yesterday at 8pm and nobody told us about any planned outage', /what would you like us to do/i],
      ['I want an explanation and the power back', /customer number/i],
      ['1234567890', /phone number/i],
      ['+44 7700 900123', /keep you updated/i],
      ['2', /Outage without notice[\s\S]*When: Mon 23 Nov 2026, 20:00[\s\S]*Customer number: 1234567890[\s\S]*\+44\*\*\*\*0123[\s\S]*By text message[\s\S]*correct\?/],
      ['yes', /registered as PU-20261124-[0-9A-Z]{6} \(grade: Urgent\)[\s\S]*contact you by Tue 24 Nov 2026, 14:00/],
    ]);
    expect(done.ticketId).toMatch(TICKET_RE);
    const ticket = (await h.store.getTicket(done.ticketId!))!;
    expect(ticket).toMatchObject({
      status: 'new',
      grade: 'urgent',
      category: 'outage_no_notice',
      details: { account_number: '1234567890' },
      contact: { phone: '+447700900123', channel: 'sms' },
      occurredAt: '2026-11-23T20:00:00.000+08:00',
      locale: 'en',
      respondBy: '2026-11-24T06:00:00.000Z',
      resolveBy: '2026-11-25T02:00:00.000Z',
    });
    expect(ticket.timeline.map((e) => e.type)).toEqual(['created']);
    const customer = (await h.store.getCustomer(ticket.customerId))!;
    expect(customer.phone).toBe('+447700900123');
    expect(customer.complaintTimes).toHaveLength(1);
  });

  it('asks for the category when the message does not say, and reads a picked button', async () => {
    const h = harness();
    await h.script('en2', [
      ['I want to file a complaint', /which of these best describes/i],
      ['Service attitude', /tell me what happened/i],
      ['The staff at the service hall shouted at me when I asked about my bill', /when did this happen/i],
      ["I don't remember", /what would you like us to do/i],
      ['An apology', /phone number/i],
    ]);
  });

  it('lets the customer correct a field at confirmation, change one by menu, cancel, or start over', async () => {
    const h = harness();
    await h.script('en3', [
      ['My bill this month is double what it normally is, the meter must be wrong', /when did this/i],
      ['last week', /what would you like/i],
      ['A refund', /customer number/i],
      ['my account number is 3301234567', /phone/i],
      ['13912345678', /keep you updated/i],
      ['Here in this chat', /correct\?/],
      ['No, the account number is 3309876543', /updated that[\s\S]*3309876543/],
      ['Change something', /which part/i],
      ['Phone number', /phone number can we reach/i],
      ['139123', /doesn't look like a number we can call/i],
      ['13800001111', /138\*\*\*\*1111[\s\S]*correct\?/],
      ['start over', /start again[\s\S]*which of these/i],
      ['cancel', /cancelled this complaint and nothing has been filed/i],
    ]);
    expect(await h.store.listTickets({})).toHaveLength(0);
  });

  it('keeps a customer who answers one step behind on track, and keeps extra details', async () => {
    const h = harness();
    const done = await h.script('en5', [
      ['I want to complain about the staff at your service hall', /when did this happen/i],
      ['Yesterday afternoon I went to change the account holder and the clerk shouted at me and refused to help', /what would you like/i],
      ['around 3pm', /Noted[\s\S]*what would you like/i],
      ['An apology and better training', /phone number/i],
      ['I already told you what I want', /didn't quite get that[\s\S]*phone number/i],
      ['13812345678', /keep you updated/i],
      ['1', /clerk shouted at me[\s\S]*When: Mon 23 Nov 2026, 15:00[\s\S]*You would like: An apology and better training/],
      ['yes', TICKET_RE],
    ]);
    expect((await h.store.getTicket(done.ticketId!))!.category).toBe('service_attitude');
  });

  it('reads a day of the month on its own, and prefers it to "not sure"', async () => {
    const h = harness();
    await h.script('en6', [
      ['My bill is far too high this month', /when did this/i],
      ['not sure, I noticed it on the 20th', /what would you like/i],
    ]);
    const conv = (await h.store.findConversation('test', 'en6'))!;
    expect((conv.dialog.active!.data as { fields: { occurredAt: string } }).fields.occurredAt).toBe('2026-11-20');
  });

  it('never starts a complaint from a calm question; an unsure FAQ match offers the closest entries', async () => {
    const h = harness();
    const sure = await h.say('en7', 'what is the tiered tariff?');
    expect(sure.replies[0]!.text).toMatch(/tier/i);
    expect(sure.replies[0]!.text).toMatch(/did that answer your question/i);
    expect(sure.replies[0]!.text).not.toMatch(/when did/i);
    const r = await h.say('en7', 'explain tiers?');
    expect(r.replies[0]!.text).toMatch(/closest ones/);
    const offered = r.replies[0]!.quickReplies!.map((q) => q.label);
    expect(offered[0]).toMatch(/tier/i);
    expect(offered.at(-1)).toBe('None of these');
    expect(offered.length).toBeGreaterThanOrEqual(2);
    const picked = await h.say('en7', '1');
    expect(picked.replies[0]!.text).toMatch(/tier|kWh/i);
    expect((await h.store.findConversation('test', 'en7'))!.dialog.active).toMatchObject({ name: 'faq' });
    const thanks = await h.say('en7', 'Yes, that helped');
    expect(thanks.replies[0]!.text).toMatch(/glad/i);
    expect((await h.store.findConversation('test', 'en7'))!.dialog.active).toBeNull();
  });

  it('answers a confident FAQ match, and when it did not help offers a complaint or a person', async () => {
    const h = harness();
    const r = await h.say('en4', 'How can I pay my electricity bill online?');
    expect(r.replies[0]!.text).toMatch(/app|online|pay/i);
    expect(r.replies[0]!.quickReplies!.map((q) => q.label)).toEqual(['Yes, that helped', "No, it didn't"]);
    expect(r.status).toBe('bot');
    const no = await h.say('en4', "No, it didn't");
    expect(no.replies[0]!.text).toMatch(/register it as a complaint[\s\S]*person/i);
    expect(no.replies[0]!.quickReplies!.map((q) => q.label)).toEqual(['File a complaint', 'Talk to a person']);
    // A new question after an answer is simply answered: the feedback step does not swallow it.
    await h.say('en8', 'How can I pay my electricity bill online?');
    const next = await h.say('en8', 'how do I find my customer number?');
    expect(next.replies[0]!.text).toMatch(/customer number|account/i);
  });

  it('says honestly when a question is out of scope, never a random FAQ answer', async () => {
    const h = harness();
    const r = await h.say('en9', "what's the capital of France?");
    expect(r.replies[0]!.text).toMatch(/don't have a ready answer/i);
    expect(r.replies[0]!.quickReplies!.map((q) => q.label)).toEqual(['File a complaint', 'Talk to a person']);
    const zh = await h.say('zh9', '今天天气怎么样？');
    expect(zh.replies[0]!.text).toMatch(/没有现成的答案/);
  });

  it('answers a question asked in the middle of an intake, then goes on where it was', async () => {
    const h = harness();
    await h.script('en10', [
      ['My power went out yesterday evening and nobody told us', /what would you like/i],
      ['An explanation', /customer number/i],
    ]);
    const aside = await h.say('en10', 'How can I pay my electricity bill online?');
    expect(aside.replies.map((x) => x.text).join('\n')).toMatch(/app|online[\s\S]*back to your complaint[\s\S]*customer number/i);
    const done = await h.script('en10', [
      ['3301234567', /phone/i],
      ['13912345678', /keep you updated/i],
    ]);
    expect(done.replies[0]!.text).toMatch(/keep you updated/i);
  });
});

describe('customer record', () => {
  const steps = (text: string): Array<[string, RegExp | null]> => [
    [text, null],
    ['yesterday', null],
    ['A refund', null],
    ['3301234567', null],
    ['+86 139 1234 5678', null],
    ['By text message', /correct\?/],
    ['yes', TICKET_RE],
  ];

  it('a phone number typed in a chat never joins another record: someone else\'s complaints stay hidden', async () => {
    const h = harness();
    const first = await h.script('phone-a', steps('My electricity bill is wrong, I was charged twice'));
    const second = await h.script('phone-b', steps('I was overcharged on my electricity bill this month'));
    const a = (await h.store.getTicket(first.ticketId!))!;
    const b = (await h.store.getTicket(second.ticketId!))!;
    expect(b.customerId).not.toBe(a.customerId);
    expect((await h.store.getCustomer(b.customerId))!).toMatchObject({ phone: '13912345678' });
    expect((await h.store.getCustomer(b.customerId))!.phoneVerified).toBeUndefined();
    const progress = await h.say('phone-b', 'any update on my complaint?');
    expect(progress.replies[0]!.text).toContain(second.ticketId!);
    expect(progress.replies[0]!.text).not.toContain(first.ticketId!);
  });

  it('the same phone proven on two SMS channels is one customer, whose complaints all count', async () => {
    const h = harness({ channels: [{ name: 'sms-a', send: async () => {} }, { name: 'sms-b', send: async () => {} }] });
    let seq = 0;
    const text = async (channel: string, lines: Array<[string, RegExp | null]>) => {
      let last;
      for (const [line] of lines) {
        last = await h.engine.handle({ channel, channelUserId: '+8613912345678', text: line, messageId: `${channel}-${++seq}`, timestamp: h.clock.now.toISOString() });
      }
      return last!;
    };
    const first = await text('sms-a', steps('My electricity bill is wrong, I was charged twice'));
    const second = await text('sms-b', steps('I was overcharged on my electricity bill this month'));
    expect(first.ticketId).toMatch(TICKET_RE);
    const a = (await h.store.getTicket(first.ticketId!))!;
    const b = (await h.store.getTicket(second.ticketId!))!;
    expect(b.customerId).toBe(a.customerId);
    const customer = (await h.store.getCustomer(a.customerId))!;
    expect(customer).toMatchObject({ phone: '13912345678', phoneVerified: true });
    expect(customer.identities.map((i) => i.channel).sort()).toEqual(['sms-a', 'sms-b']);
    expect(customer.complaintTimes).toHaveLength(2);
    const progress = await h.engine.handle({ channel: 'sms-b', channelUserId: '+8613912345678', text: 'any update on my complaint?', messageId: 'p1', timestamp: h.clock.now.toISOString() });
    expect(progress.replies[0]!.text).toContain(first.ticketId!);
    expect(progress.replies[0]!.text).toContain(second.ticketId!);
  });
});

describe('linking a chat to the records of a typed number', () => {
  it('sends a code to the number; the right code joins the records, and only then are their complaints shown', async () => {
    const texts: Array<{ to: string; text: string }> = [];
    const h = harness({ channels: [{ name: 'test', send: async () => {} }, { name: 'sms-a', send: async (to, m) => void texts.push({ to, text: m.text }) }], smsFallback: 'sms-a' });
    let seq = 0;
    const steps = (text: string): Array<[string, RegExp | null]> => [
      [text, null], ['yesterday', null], ['A refund', null], ['3301234567', null], ['+86 139 1234 5678', null], ['By text message', /correct\?/], ['yes', TICKET_RE],
    ];
    // The number's owner complained by SMS from it: their phone is proven.
    let first;
    for (const [line] of steps('My electricity bill is wrong, I was charged twice')) {
      first = await h.engine.handle({ channel: 'sms-a', channelUserId: '+8613912345678', text: line, messageId: `s${++seq}`, timestamp: h.clock.now.toISOString() });
    }
    texts.length = 0;
    // Someone in the web chat types the same number; the code goes out when their complaint is filed.
    const r = await h.script('chat-1', steps('I was overcharged on my electricity bill this month'));
    expect(r.replies.map((x) => x.text).join('\n')).toMatch(/6-digit code we have just texted to 139\*\*\*\*5678/);
    expect(texts).toHaveLength(1);
    expect(texts[0]!.to).toBe('13912345678');
    const code = /is (\d{6})\./.exec(texts[0]!.text)![1]!;
    // Not linked yet: their complaints stay hidden.
    const hidden = await h.say('chat-1', 'any update on my complaint?');
    expect(hidden.replies[0]!.text).not.toContain(first!.ticketId!);
    const wrong = await h.say('chat-1', code === '000000' ? '111111' : '000000');
    expect(wrong.replies[0]!.text).toMatch(/does not match/);
    const right = await h.say('chat-1', code);
    expect(right.replies[0]!.text).toMatch(/now linked/);
    const shown = await h.say('chat-1', 'any update on my complaint?');
    expect(shown.replies[0]!.text).toContain(first!.ticketId!);
    const conv = (await h.store.findConversation('test', 'chat-1'))!;
    expect(conv.link).toBeUndefined();
    const owner = (await h.store.getCustomer(conv.customerId))!;
    expect(owner.identities.map((i) => i.channelUserId).sort()).toEqual(['+8613912345678', 'chat-1']);
    // The code was never stored, only its hash, and it works once.
    expect(JSON.stringify(conv)).not.toContain(code);
  });

  it('links to the record that proved the number, not to a newer one where someone only typed it', async () => {
    const texts: string[] = [];
    const h = harness({ channels: [{ name: 'test', send: async () => {} }, { name: 'sms-a', send: async (_to, m) => void texts.push(m.text) }], smsFallback: 'sms-a' });
    const lines = (what: string) => [what, 'yesterday', 'A refund', '3301234567', '13900002222', 'By text message', 'yes'];
    let seq = 0;
    let owners;
    for (const text of lines('My bill is wrong, I was charged twice')) {
      owners = await h.engine.handle({ channel: 'sms-a', channelUserId: '+8613900002222', text, messageId: `w${++seq}`, timestamp: h.clock.now.toISOString() });
    }
    const lastCode = () => /is (\d{6})\./.exec(texts.at(-1)!)![1]!;
    // A stranger types the owner's number and files a complaint of their own; they get no code to type.
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    const stranger = await h.script('chat-x', lines('I was overcharged on my electricity bill this month').map((l, i, all): [string, RegExp | null] => [l, i === all.length - 1 ? /6-digit code/ : null]));
    // The owner, now in the web chat, types the number and the code the SMS brought.
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    await h.script('chat-y', lines('My electricity bill is wrong, I was charged twice').map((l, i, all): [string, RegExp | null] => [l, i === all.length - 1 ? /6-digit code/ : null]));
    expect((await h.say('chat-y', lastCode())).replies[0]!.text).toMatch(/now linked/);
    const y = (await h.store.findConversation('test', 'chat-y'))!;
    expect(y.customerId).toBe((await h.store.getTicket(owners!.ticketId!))!.customerId);
    expect((await h.say('chat-y', 'any update on my complaint?')).replies[0]!.text).toContain(owners!.ticketId!);
    // The stranger's chat is joined to nothing and sees none of the owner's complaints.
    const x = (await h.store.findConversation('test', 'chat-x'))!;
    expect(x.customerId).not.toBe(y.customerId);
    expect((await h.say('chat-x', 'any update on my complaint?')).replies[0]!.text).not.toContain(owners!.ticketId!);
    expect(stranger.ticketId).toMatch(TICKET_RE);
  });

  it('a code typed back proves the number: the joined record answers for it from then on', async () => {
    const texts: string[] = [];
    const h = harness({ channels: [{ name: 'test', send: async () => {} }, { name: 'sms-a', send: async (_to, m) => void texts.push(m.text) }], smsFallback: 'sms-a' });
    const lines = (what: string) => [what, 'yesterday', 'A refund', '3301234567', '13900003333', 'By text message', 'yes'];
    const codeAsked = (what: string) => lines(what).map((l, i, all): [string, RegExp | null] => [l, i === all.length - 1 ? /6-digit code/ : null]);
    await h.script('chat-1', lines('My bill is wrong, I was charged twice').map((l): [string, RegExp | null] => [l, null]));
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    await h.script('chat-2', codeAsked('I was overcharged on my electricity bill this month'));
    expect((await h.say('chat-2', /is (\d{6})\./.exec(texts.at(-1)!)![1]!)).replies[0]!.text).toMatch(/now linked/);
    const joined = (await h.store.findConversation('test', 'chat-2'))!.customerId;
    expect(await h.store.getCustomer(joined)).toMatchObject({ phone: '13900003333', phoneVerified: true });
    expect((await h.store.findCustomerByPhone('13900003333'))!.id).toBe(joined);
  });

  it('an old code or five wrong ones end the link', async () => {
    const texts: string[] = [];
    const h = harness({ channels: [{ name: 'test', send: async () => {} }, { name: 'sms-a', send: async (_to, m) => void texts.push(m.text) }], smsFallback: 'sms-a' });
    const lines = ['My bill is wrong, I was charged twice', 'yesterday', 'A refund', '3301234567', '13900001111', 'By text message', 'yes'];
    let seq = 0;
    for (const text of lines) await h.engine.handle({ channel: 'sms-a', channelUserId: '+8613900001111', text, messageId: `o${++seq}`, timestamp: h.clock.now.toISOString() });
    await h.script('chat-2', lines.map((l, i): [string, RegExp | null] => [l, i === lines.length - 1 ? /6-digit code/ : null]));
    const code = /is (\d{6})\./.exec(texts.at(-1)!)![1]!;
    h.clock.now = new Date(h.clock.now.getTime() + 11 * 60_000);
    const late = await h.say('chat-2', code);
    expect(late.replies[0]!.text).toMatch(/no longer valid/);
    expect((await h.store.findConversation('test', 'chat-2'))!.link).toBeUndefined();
    // Guessing: after five wrong codes even the right one is refused.
    await h.script('chat-3', lines.map((l, i): [string, RegExp | null] => [l, i === lines.length - 1 ? /6-digit code/ : null]));
    const fresh = /is (\d{6})\./.exec(texts.at(-1)!)![1]!;
    const wrongCode = fresh === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect((await h.say('chat-3', wrongCode)).replies[0]!.text).toMatch(/does not match/);
    expect((await h.say('chat-3', fresh)).replies[0]!.text).toMatch(/no longer valid/);
  });
});

describe('intake in Chinese', () => {
  it('登记一起电费投诉：已知的信息不再问，复述确认后给出编号和时限', async () => {
    const h = harness();
    const done = await h.script('zh1', [
      ['你好', /智能助手/],
      ['这个月电费比上个月翻了一倍，户号3301234567，肯定是算错了', /什么时候/],
      ['前天', /怎么处理/],
      ['退还多收的钱', /联系电话/],
      ['13912345678', /怎么通知您/],
      ['短信', /电费计算错误[\s\S]*2026年11月22日[\s\S]*户号：3301234567[\s\S]*139\*\*\*\*5678[\s\S]*短信通知[\s\S]*是否准确/],
      ['不对，电话是13900001111', /改好了[\s\S]*139\*\*\*\*1111/],
      ['确认', /编号 PU-20261124-[0-9A-Z]{6}（等级：普通）[\s\S]*2026年11月25日 10:00 前联系您[\s\S]*2026年11月27日 10:00 前处理完毕/],
    ]);
    const ticket = (await h.store.getTicket(done.ticketId!))!;
    expect(ticket).toMatchObject({ grade: 'ordinary', category: 'billing_error', contact: { phone: '13900001111', channel: 'sms' }, demand: '退还多收的钱' });
  });

  it('繁体输入也能看懂：停电类别和时间都取到，只问还缺的，并用繁体回复', async () => {
    const h = harness();
    const first = await h.say('tw1', '我家從昨天晚上就停電了，到現在還沒來電，冰箱裡的東西都壞了');
    const text = first.replies.map((r) => r.text).join('\n');
    expect(text).toMatch(/怎麼處理/);
    expect(text).not.toMatch(/处理|您希望我们/);
    expect(first.replies.at(-1)!.quickReplies!.map((q) => String(q.label)).join(' ')).toMatch(/退還費用[\s\S]*給予補償/);
    const conv = (await h.store.getConversation(first.conversationId))!;
    const data = conv.dialog.active!.data as { fields: { category: string; occurredText: string } };
    expect(data.fields.category).toMatch(/outage|restoration/);
    expect(data.fields.occurredText).toBe('昨天晚上');
  });

  it('查询进度：列出自己的投诉，别人的编号不透露任何信息', async () => {
    const h = harness();
    const filed = await h.script('zh2', [
      ['电表走得特别快，我怀疑电表有问题', null],
      ['上周三', null],
      ['给个说法', null],
      ['户号3301234567', null],
      ['电表号12345678901', null],
      ['13912345678', null],
      ['在这里聊天通知', /是否准确/],
      ['确认无误', TICKET_RE],
    ]);
    const mine = await h.say('zh2', '我的投诉怎么样了');
    expect(mine.replies[0]!.text).toContain(filed.ticketId!);
    expect(mine.replies[0]!.text).toMatch(/电表故障.*已受理/);
    const other = await h.say('zh-other', `帮我查一下 ${filed.ticketId} 的进度`);
    expect(other.replies[0]!.text).not.toMatch(/电表/);
    expect(other.replies[0]!.text).toMatch(/没有查到/);
  });
});
