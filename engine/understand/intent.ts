import type { Intent } from './types.ts';
import { TermSet, contentSize } from './text.ts';
import { asksForHuman } from './human-request.ts';

// Phrase lists on normalised text. "short" intents (affirm, deny, thanks ...) only count when the message
// is mostly that phrase, so "不对劲的电表" is not a denial and "ok so my bill doubled" is not an affirmation.
// Asking for a person has its own reader (human-request.ts): people and the frames that ask for them.

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
const LONGEST_SHORT_PHRASE = Math.max(...[RESTART, CANCEL, THANKS, GREETING, DENY, AFFIRM, NO_PROBLEM].flat().map(contentSize));

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
export const INTENT_TERMS: readonly string[] = [PROGRESS, COMPLAINT, EXPLICIT_COMPLAINT].flat();

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
  if (asksForHuman(norm)) return { name: 'request_human', confidence: 0.9 };
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
