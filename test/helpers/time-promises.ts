import { normalize } from '../../engine/understand/text.ts';

// Finds the times a customer-facing text promises, on normalised text (lower case, simplified script), so one
// set of patterns covers zh-CN and zh-TW. A promise is the company committing itself to act on the customer's
// case by some time: "我们会在24小时内联系您", "we'll fix it today", "马上修好", "immediately fixed". What a text
// says about a process or a right is not a promise about the case: "refunds to cards usually take 3–7
// working days" (hedged: usually, 一般, 通常), "you can return it within 7 days" (the customer's right).

export interface TimePromise {
  /** The clause the promise is in (normalised). */
  clause: string;
  /** The time it names, as written. */
  phrase: string;
  /** How soon it promises, in minutes (0 for "right away"); null for a named day ("today", "明天"). */
  minutes: number | null;
  kind: 'duration' | 'immediate' | 'day';
}

const ZH_DIGIT: Record<string, number> = { 半: 0.5, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const EN_NUM: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12,
  'twenty-four': 24, 'forty-eight': 48, 'a few': 2,
};

function zhNumber(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const ten = s.indexOf('十');
  if (ten < 0) return ZH_DIGIT[s] ?? NaN;
  const tens = ten === 0 ? 1 : (ZH_DIGIT[s.slice(0, ten)] ?? NaN);
  const units = ten === s.length - 1 ? 0 : (ZH_DIGIT[s.slice(ten + 1)] ?? NaN);
  return tens * 10 + units;
}

/** Minutes in one unit; a working day counts as one day, the least it can be. */
function unitMinutes(unit: string): number {
  if (/^(分钟|minute)/.test(unit)) return 1;
  if (/^(小时|钟头|hour)/.test(unit)) return 60;
  if (/^(周|星期|week)/.test(unit)) return 7 * 24 * 60;
  return 24 * 60;
}

const NUM_ZH = String.raw`(\d+(?:\.\d+)?|[一二两三四五六七八九十半]+)`;
const NUM_EN = String.raw`(\d+(?:\.\d+)?|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty-four|forty-eight)`;
/** "24小时内", "3个工作日内", "1–2个工作天内", "within 24 hours", "within 1–3 working days". */
export const DURATION = new RegExp(
  String.raw`${NUM_ZH}\s*(?:[-–~到至]\s*${NUM_ZH}\s*)?(?:个)?\s*(分钟|小时|钟头|个?工作日|个?工作天|天|日|周|星期)(?:之)?内` +
    String.raw`|within (?:the next |about |around )?${NUM_EN}(?:\s*(?:–|-|to)\s*${NUM_EN})?\s*(minutes?|hours?|working days?|business days?|days?|weeks?)`,
  'g',
);
const IMMEDIATE = /马上|立即|立刻|即刻|第一时间|right away|immediately|immediate|straight away|at once|instantly|right now/g;
const DAY = /今天|今日|今晚|当天|当日|明天|次日|\btoday\b|\btonight\b|\btomorrow\b|same day|same business day|next day|next business day|end of the day/g;

/**
 * Someone on the company's side committing to act ("我们会", "we'll", "a colleague will"); "联系我们" and
 * "tell us" name the company as the one being contacted, not as the one acting.
 */
const COMMITS = /(?<!联系|联络|告诉|通知|找|给|拨打|致电)我们|为您|帮您|替您|我会|我来|我马上|我立即|本行|专人|同事|客服专员|工作人员|相关人员|负责人|主管|客户经理|\bwe\b|\bwe'll|\bi'll|\bi will|\bi'm\b|\bour (?:team|staff|engineers?|senior team)|\bthe (?:right )?(?:people|team)\b|\ba colleague\b|\bsomeone will|\bmanager will/;
/** Acting on the case: contacting, answering, handling, fixing, refunding, sending. */
const ACTS = /联系|联络|回复|答复|回电|致电|响应|处理|解决|修好|修复|抢修|恢复|结果|办结|核实|核查|查核|查询|追查|查清|调查|确认|定位|跟进|催|退款|退回|退还|到账|补发|补寄|赔|行动|追回|解除|contact|call you|call back|reply|respon|get back|resolv|fix|repair|restor|sort|handl|deal with|result|outcome|refund|look into|look (?:it|this|them) up|look up|find it|pull up|investigat|trace|chase|confirm|check|send|act on|acting|process|lift|attention/;
/** A hedged clause states what usually happens: a fact about a process, not a promise. */
const HEDGED = /一般|通常|大多|多数|大部分|正常情况下|usually|normally|typically|generally|\bmost\b|often/;
/** Outcomes promised with no one named: "马上修好", "当天到账", "fixed immediately", "resolved today". */
const OUTCOME_NOW = /(马上|立即|立刻|今天|当天)(就|能|会|可以|给您|帮您|为您)*(修好|解决|恢复|到账|退款|处理好|处理完)|(fixed|resolved|restored|repaired|refunded|sorted)( \w+)? (today|immediately|right away|straight away|at once)|(immediately|instantly) (fixed|resolved|restored|repaired|refunded)/;

const sentences = (norm: string) => norm.split(/[。；;！!？?\n]|\.(?=\s|$)/).map((s) => s.trim()).filter(Boolean);
const CLAUSE_END = /[，,:：]/;

/** Where the clause of `sentence` around position `at` starts and ends. */
function clauseSpan(sentence: string, at: number): [number, number] {
  let start = at;
  while (start > 0 && !CLAUSE_END.test(sentence[start - 1]!)) start--;
  let end = at;
  while (end < sentence.length && !CLAUSE_END.test(sentence[end]!)) end++;
  return [start, end];
}
const clauseAt = (sentence: string, at: number) => sentence.slice(...clauseSpan(sentence, at)).trim();

/** Every time promise in `text` (any locale). */
export function timePromises(text: string): TimePromise[] {
  const out: TimePromise[] = [];
  for (const sentence of sentences(normalize(text))) {
    for (const m of sentence.matchAll(new RegExp(OUTCOME_NOW, 'g'))) {
      const clause = clauseAt(sentence, m.index);
      if (HEDGED.test(clause)) continue;
      const day = /今天|当天|today/.test(m[0]);
      out.push({ clause, phrase: m[0], minutes: day ? null : 0, kind: day ? 'day' : 'immediate' });
    }
    const commit = COMMITS.exec(sentence);
    if (!commit) continue;
    const times: Array<[RegExpMatchArray, TimePromise['kind']]> = [
      ...[...sentence.matchAll(DURATION)].map((m) => [m, 'duration'] as [RegExpMatchArray, TimePromise['kind']]),
      ...[...sentence.matchAll(IMMEDIATE)].map((m) => [m, 'immediate'] as [RegExpMatchArray, TimePromise['kind']]),
      ...[...sentence.matchAll(DAY)].map((m) => [m, 'day'] as [RegExpMatchArray, TimePromise['kind']]),
    ];
    for (const [m, kind] of times) {
      if (m.index! < commit.index) continue;
      const clause = clauseAt(sentence, m.index!);
      if (HEDGED.test(clause) || out.some((p) => p.clause === clause && p.phrase.includes(m[0]))) continue;
      // The act is named between the one committing and the end of the clause with the time.
      if (!ACTS.test(sentence.slice(commit.index, clauseSpan(sentence, m.index!)[1]))) continue;
      let minutes: number | null = kind === 'immediate' ? 0 : null;
      if (kind === 'duration') {
        const zh = m[1] !== undefined;
        const low = zh ? zhNumber(m[1]!) : /^\d/.test(m[4]!) ? Number(m[4]) : (EN_NUM[m[4]!] ?? NaN);
        minutes = low * unitMinutes(zh ? m[3]! : m[6]!);
      }
      out.push({ clause, phrase: m[0], minutes, kind });
    }
  }
  return out;
}

/**
 * Durations in a text about complaint handling that are written out rather than taken from the pack
 * ("普通投诉会在24小时内联系您"): every sentence of `text` counts, except what the customer may do ("您可以在60日内
 * 申请评议", "you can take it to the ombudsman within 6 months").
 */
export function writtenOutDeadlines(text: string): string[] {
  const out: string[] = [];
  for (const sentence of sentences(normalize(text))) {
    for (const m of sentence.matchAll(DURATION)) {
      if (/可以|可申请|\bcan\b|\bmay\b/.test(clauseAt(sentence, m.index!))) continue;
      out.push(m[0]);
    }
  }
  return out;
}
