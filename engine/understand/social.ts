// Greetings, thanks and goodbyes often ride along with a real request ("你好，我想查一下电费，谢谢"), so they
// are flags beside the main intent rather than intents that would hide the request.

const GREETING_START = /^(?:你好|您好|哈喽|哈啰|嗨|hi|hello|hey|hiya|good (?:morning|afternoon|evening)|早上好|上午好|下午好|晚上好|早安|早)(?:呀|啊|哇)?(?:[\s,，.。!！~～]|$)/;
const GREETING_ALONE = /^(?:在吗|在不在|有人吗|有人在吗|anyone there|yo)[\s?？!！。.]*$/;
const THANKS = /谢谢|多谢|感谢|谢了|谢啦|辛苦(?:你|您)?了|thank|\bthx\b|\bty\b|\bcheers\b|appreciate (?:it|that|your help)/;
const GOODBYE = /再见|拜拜|回见|下次见|先这样吧?|\bbye\b|bye-bye|goodbye|good bye|see (?:you|ya)|take care|have a (?:good|nice) (?:day|one|evening)/;

export interface SocialActs {
  greeting: boolean;
  thanks: boolean;
  goodbye: boolean;
}

export function socialActs(norm: string): SocialActs {
  const text = norm.trim();
  return { greeting: GREETING_START.test(text) || GREETING_ALONE.test(text), thanks: THANKS.test(text), goodbye: GOODBYE.test(text) };
}
