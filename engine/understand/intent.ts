import type { Intent } from './types.ts';
import { TermSet, contentSize } from './text.ts';

// Phrase lists on normalised text. "short" intents (affirm, deny, thanks ...) only count when the message
// is mostly that phrase, so "不对劲的电表" is not a denial and "ok so my bill doubled" is not an affirmation.
// Staff words (客服人员, 工作人员, 负责人, "customer service rep") are not here: "your staff were rude" names
// someone to complain about; only after a verb of asking (HUMAN_ZH, HUMAN_EN) do they ask for a person.
const HUMAN = ['转人工', '人工客服', '人工服务', '找人工', '要人工', '人工', '真人', '找你们领导', '找你们经理',
  '找主管', '叫你们领导', 'real person', 'speak to someone', 'talk to someone', 'talk to a person', 'speak to a person', 'live person'];
// A bare "agent" or "human" asks for one only when it is most of the message ("agent please", "human!");
// "I spoke to your agent yesterday" mentions one.
const HUMAN_SHORT = ['agent', 'human', 'operator', 'representative', 'supervisor', 'manager', 'your manager', 'a human', 'an agent',
  'live agent', 'real human'];
// Asking for a person in so many words: a verb of being put through, then someone who is not the bot.
const HUMAN_EN = new RegExp(
  String.raw`\b(?:speak|talk|chat)(?:ing)? (?:directly )?(?:to|with) (?!you\b|u\b|this\b|it\b|a bot\b|the bot\b)(?:a |an |the |your |some |someone |somebody |anyone |anybody |real |actual |live |human |person|people|staff|manager|supervisor|agent|operator|rep|advisor|adviser|employee|worker|member|reception|front desk|concierge|room service|restaurant|spa|pool)` +
    String.raw`|\b(?:put|get|transfer|connect|pass|hand|switch)(?:ing)? (?:me |us )?(?:through |over |on )?(?:to |with |on to )?(?:a |an |the |your |some )?(?:real |actual |live |human )?(?:person|human|someone|somebody|agent|operator|manager|supervisor|representative|rep|staff|member of staff|bank worker|employee|reception|front desk|room service)\b` +
    String.raw`|\b(?:real|actual|live) (?:person|human|people|agent)|\bhuman (?:being|agent|please)|\bto a human\b|\b(?:a|another|some) human\b` +
    String.raw`|\b(?:not|stop|sick of|tired of|fed up with|don't want|do not want|rather not)\b[^.?!]{0,30}\b(?:bot|bots|robot|machine|automated|virtual agent)s?\b|\bwith a machine\b|\bsomeone else on the line\b|\bon the line\b` +
    // "Your customer service rep hung up on me" is a complaint; wanting or being put through to one is a request.
    String.raw`|\b(?:speak|talk|chat|get|put|transfer|connect|want|need|request|ask for|give me)\b[^.?!]{0,25}\bcustomer (?:service|support|care) (?:rep|reps|representative|agent|person|staff|team)\b`,
);
/** Words every HUMAN_EN pattern contains one of: the long pattern only runs when one is there. */
const HUMAN_EN_GATE = /speak|talk|chat|put|get|transfer|connect|pass|hand|switch|real|actual|live|human|bot|machine|automated|virtual|line|customer/;
// Staff (客服人员, 工作人员, 负责人, 接线员) are asked for only after a verb of asking ("找/叫/让/转/要 你们的负责人",
// "转接一位工作人员") or when called for ("负责人呢"); "你们的工作人员态度很差" complains about one.
const HUMAN_ZH = /转人工|人工客服|人工服务|找人工|要人工|接人工|真人|活人|(?:找|要|转|叫|让|请|换|联系|安排)(?:接|给|到|给我|我)?(?:一下)?(?:你们|您们|贵司|你们公司)?(?:的)?(?:一?[个位名])?(?:真正的|专门的|相关的?|其他的?|别的)?(?:客服人员|工作人员|负责人|接线员)|(?:客服人员|工作人员|负责人|接线员)(?:呢|在哪|在不在|在吗|出来)|找(?:你们)?(?:领导|经理|主管|客服)|叫(?:你们)?(?:领导|经理|主管)|(?:不想|不要|别)(?:跟|和|再跟|再和)?(?:机器人|机器)|机器人(?:听不懂|没用)|找个人(?:跟我|和我)?(?:说|聊|谈)|让人(?:来|跟我)/;
const NOT_HUMAN = /不要人工|不用人工|不需要人工|no human|don't need (?:an? )?(?:agent|person|human)|(?:don't|do not|no need to|don't need to|do not need to) (?:transfer|put|connect) me/;

const PROGRESS = ['进度', '进展', '处理得怎么样', '处理的怎么样', '处理好了没', '怎么样了', '有结果了吗', '有结果没', '到哪一步',
  '查询投诉', '查投诉', '投诉状态', '处理到哪', '什么时候处理', '还没处理', '有回复吗', 'progress', 'status of my complaint',
  'any update', 'any news', 'update on my complaint', 'status update', 'where is my complaint', 'what happened to my complaint',
  'check my complaint', 'my ticket', 'complaint status', 'been resolved yet', 'heard nothing'];
const CANCEL = ['取消', '不投诉了', '算了不用了', '不用了', '不需要了', '撤销投诉', '撤回', 'cancel', 'never mind', 'nevermind',
  'forget it', 'stop', 'quit', 'abort', 'withdraw'];
const RESTART = ['重新开始', '重来', '从头开始', '重新填', 'start over', 'restart', 'start again', 'begin again'];
const GREETING = ['你好', '您好', '在吗', '在不在', '有人吗', '早上好', '下午好', '晚上好', '哈喽', 'hi', 'hello', 'hey',
  'good morning', 'good afternoon', 'good evening', 'anyone there', 'yo'];
const THANKS = ['谢谢', '多谢', '感谢', '谢了', '辛苦了', 'thanks', 'thank you', 'thx', 'cheers', 'appreciate it', 'ty'];
// Whole confirmations too: "yes" beside the three-word "that is right" is more than one word of extra.
// zh-TW is matched in simplified form (對 → 对, 沒錯 → 没错); two phrases together ("是的，没错") are `mostly` one.
const AFFIRM = ['是的', '是', '对', '对的', '没错', '确认', '确定', '好的', '好', '可以', '嗯', '嗯嗯', '行', '没问题', '正确', '对啊',
  '没有问题', '无误', '全部正确', '信息正确', '是这样', '就是这样',
  'yes', 'yeah', 'yep', 'yup', 'correct', 'right', 'confirm', 'confirmed', 'ok', 'okay', 'sure', "that's right", 'exactly', 'y',
  'that is right', 'that is correct', "that's correct", 'that is all correct', 'all correct', 'it is correct', 'that is true',
  "that's true", 'spot on', 'looks good', 'all good', 'affirmative'];
// Agreement that starts with a "no": checked before the denials, or "no problem" would read as a no.
const NO_PROBLEM = ['no problem', 'no problems', 'not a problem', 'no worries', 'no issue', 'no issues', 'no problem go ahead', 'no problem at all'];
const DENY = ['不对', '不是', '错了', '不', '有误', '不正确', '否', '不确认', '搞错了', 'no', 'nope', 'wrong', 'incorrect',
  'not right', "that's wrong", 'not quite', 'n'];
// Saying so outright is enough on its own; the other words only add up.
const EXPLICIT_COMPLAINT = ['投诉', '举报', '维权', '我要反映', 'complain', 'complaint', 'file a complaint', 'report a problem'];
const COMPLAINT = ['反映', '问题', '故障', '不满', '差评', '维权', '要求赔偿', '坏了', '不行', '没人管', '一直',
  'problem', 'issue', 'broken', 'not working', "doesn't work", 'faulty', 'overcharged', 'wrong',
  'still no', 'never arrived', 'refund', 'compensat'];
const QUESTION_ZH = /吗[?？]?$|[?？]|怎么|如何|怎样|什么|哪里|哪儿|哪个|多少|多久|能不能|可不可以|是否|有没有|几点|几天|为啥|请问/;
const QUESTION_EN = /\?|^(how|what|when|where|which|who|why|can|could|do|does|is|are|will|should|may)\b/;

const sets = new Map<string[], TermSet>();
function termSet(phrases: string[]): TermSet {
  let set = sets.get(phrases);
  if (!set) sets.set(phrases, (set = new TermSet(phrases)));
  return set;
}
const wholes = new Map<string[], Set<string>>();
function wholeSet(phrases: string[]): Set<string> {
  let set = wholes.get(phrases);
  if (!set) wholes.set(phrases, (set = new Set(phrases)));
  return set;
}

/** The longest "short" phrase, in content units: a longer message cannot be mostly one of them. */
const LONGEST_SHORT_PHRASE = Math.max(...[RESTART, CANCEL, THANKS, GREETING, DENY, AFFIRM, NO_PROBLEM, HUMAN_SHORT].flat().map(contentSize));

/** The message with punctuation folded to spaces, and its size, computed once for every `mostly` test. */
interface Bare {
  text: string;
  size: number;
}

function mostly(bare: Bare, phrases: string[], maxExtra: number): boolean {
  if (bare.size > LONGEST_SHORT_PHRASE + maxExtra) return false;
  const stripped = bare.text;
  for (const p of termSet(phrases).find(stripped).keys()) {
    const rest = stripped.replace(p, '').trim();
    // What is left may be a second phrase of the same kind: "是的，没错", "yes yes", "no, wrong".
    if (contentSize(rest) <= maxExtra || wholeSet(phrases).has(rest)) return true;
  }
  return false;
}

/** Phrases `classifyIntent` counts: the caller finds them, with its own terms, in one pass over the message. */
export const INTENT_TERMS: readonly string[] = [HUMAN, PROGRESS, COMPLAINT, EXPLICIT_COMPLAINT].flat();

function hits(found: Map<string, number>, phrases: string[]): number {
  let n = 0;
  for (const p of phrases) if (found.has(p)) n++;
  return n;
}

/** The message is phrased as a question (a question mark, 吗, 怎么, "how", "can I" ...). */
export function isQuestionText(norm: string): boolean {
  return QUESTION_ZH.test(norm) || QUESTION_EN.test(norm);
}

export interface IntentSignals {
  norm: string;
  /** Terms found in the message (first positions), including every phrase of INTENT_TERMS that occurs. */
  found: Map<string, number>;
  negative: number;
  categoryScore: number;
  faqScore: number;
  hasTicketId: boolean;
}

export function classifyIntent(s: IntentSignals): { name: Intent; confidence: number } {
  const { norm } = s;
  const size = contentSize(norm);
  // An apostrophe inside a word stays ("that's right", typed ’ on phones): folding it away would leave "that s".
  const bareText = norm.replace(/[‘’]/g, "'").replace(/[\s,.!?，。！？~～、…"“”]+|'(?![a-z])|(?<![a-z])'/g, ' ').trim();
  const bare: Bare = { text: bareText, size: bareText.length === norm.length ? size : contentSize(bareText) };
  const askingForSomeone = hits(s.found, HUMAN) > 0 || mostly(bare, HUMAN_SHORT, 2) || (HUMAN_EN_GATE.test(norm) && HUMAN_EN.test(norm)) || HUMAN_ZH.test(norm);
  if (askingForSomeone && !NOT_HUMAN.test(norm)) {
    return { name: 'request_human', confidence: 0.9 };
  }
  if (mostly(bare, RESTART, 2)) return { name: 'restart', confidence: 0.85 };
  if (mostly(bare, CANCEL, 3)) return { name: 'cancel', confidence: 0.85 };
  if (hits(s.found, PROGRESS) > 0 || (s.hasTicketId && size <= 12)) return { name: 'progress', confidence: 0.8 };
  if (mostly(bare, THANKS, 3)) return { name: 'thanks', confidence: 0.85 };
  if (mostly(bare, GREETING, 2)) return { name: 'greeting', confidence: 0.85 };
  if (mostly(bare, NO_PROBLEM, 2) || /^no (problem|worries)\b/.test(bare.text)) return { name: 'affirm', confidence: 0.75 };
  if (mostly(bare, DENY, 1)) return { name: 'deny', confidence: 0.8 };
  if (mostly(bare, AFFIRM, 1)) return { name: 'affirm', confidence: 0.8 };
  if (/^(不对|不是|错了|no,|no |wrong)/.test(norm)) return { name: 'deny', confidence: 0.6 };

  const isQuestion = QUESTION_ZH.test(norm) || QUESTION_EN.test(norm);
  const complaintWords = hits(s.found, COMPLAINT);
  const explicit = hits(s.found, EXPLICIT_COMPLAINT) > 0 ? 0.35 : 0;
  // "What is the tiered tariff?" names a category without complaining about it.
  const calmQuestion = isQuestion && s.negative < 0.3 && complaintWords === 0 && explicit === 0;
  const complaintScore = Math.min(1, explicit + 0.45 * s.negative + 0.25 * complaintWords + (calmQuestion ? 0.2 : 0.6) * s.categoryScore);
  // "Why is my bill so high? It's outrageous" asks, but mostly protests: clear anger makes it a complaint.
  if (isQuestion && s.faqScore >= 0.35 && s.faqScore >= complaintScore && s.negative < 0.5) {
    return { name: 'question', confidence: Math.min(0.95, 0.5 + s.faqScore / 2) };
  }
  if (complaintScore >= 0.3) return { name: 'complaint', confidence: Math.min(0.95, 0.4 + complaintScore / 2) };
  if (isQuestion || s.faqScore >= 0.45) return { name: 'question', confidence: Math.min(0.9, 0.4 + s.faqScore / 2) };
  return { name: 'other', confidence: 0.5 };
}
