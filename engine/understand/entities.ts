import { dayFromIso, dayFromYmd, isoOfDay, weekdayOf, yearOf, type Day } from './calendar-day.ts';
import { localDate } from '../local-time.ts';
import type { Pack } from '../packs/schema.ts';
import type { AmountEntity, DateEntity, Entities } from './types.ts';
import { normalize } from './text.ts';

// Mainland mobiles (optionally +86), Taiwan mobiles written the local way (09xx xxx xxx), or any E.164
// number. Separators customers type (space, dash) are allowed.
const PHONE_RE =
  /(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)|(?<![\d+])09\d{2}[ -]?\d{3}[ -]?\d{3}(?!\d)|(?<![\d])\+[1-9](?:[ -]?\d){7,14}(?!\d)/g;

/** Canonical form of a phone number, or null when it is not a mainland or Taiwan mobile, nor E.164. */
export function normalizePhone(raw: string): string | null {
  const compact = raw.normalize('NFKC').replace(/[\s\-()]/g, '');
  const mainland = /^(?:(?:\+|00)86)?(1[3-9]\d{9})$/.exec(compact);
  if (mainland) return mainland[1]!;
  // Taiwan mobiles are kept in E.164, so a number reads the same however it was typed.
  if (/^09\d{8}$/.test(compact)) return `+886${compact.slice(1)}`;
  if (/^\+[1-9]\d{7,14}$/.test(compact)) return compact;
  return null;
}

export const TICKET_ID_RE = /\b[A-Z]{1,4}-\d{8}-[0-9A-Z]{6}\b/g;

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const CN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000, 万: 10_000 };

/** Chinese numerals up to the tens of thousands (两百五十, 三千, 十二). */
export function parseChineseNumber(s: string): number | null {
  if (!s) return null;
  let total = 0;
  let section = 0;
  let digit = 0;
  let seen = false;
  for (const ch of s) {
    if (ch in CN_DIGITS) {
      digit = CN_DIGITS[ch]!;
      seen = true;
    } else if (ch in CN_UNITS) {
      const unit = CN_UNITS[ch]!;
      if (unit === 10_000) {
        total += (section + digit) * unit;
        section = 0;
      } else {
        section += (digit || (unit === 10 ? 1 : 0)) * unit;
      }
      digit = 0;
      seen = true;
    } else return null;
  }
  return seen ? total + section + digit : null;
}

const CURRENCY_WORDS: Array<[RegExp, string]> = [
  [/^(?:元|块钱?|人民币|rmb|cny|yuan|¥|￥)$/i, 'CNY'],
  [/^(?:美元|美金|usd|us\$|\$|dollars?|bucks?)$/i, 'USD'],
  [/^(?:港币|港元|hkd|hk\$)$/i, 'HKD'],
  [/^(?:新台币|台币|ntd|twd|nt\$)$/i, 'TWD'],
  [/^(?:欧元|eur|€|euros?)$/i, 'EUR'],
  [/^(?:英镑|gbp|£|pounds?)$/i, 'GBP'],
];

function currencyOf(word: string, fallback: string): string {
  for (const [re, code] of CURRENCY_WORDS) if (re.test(word.trim())) return code;
  return fallback;
}

const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const CN_NUM = '[零〇一二两三四五六七八九十百千万]+';
const PREFIX_CUR = String.raw`(?:hk\$|nt\$|us\$|rmb|cny|usd|hkd|twd|eur|gbp|[¥￥$€£])`;
const SUFFIX_CUR = String.raw`(?:块钱|块|元|人民币|美元|美金|港币|港元|新台币|台币|欧元|英镑|rmb|cny|yuan|usd|hkd|twd|dollars?|bucks|euros?|pounds?)`;
const AMOUNT_RE = new RegExp(
  `(${PREFIX_CUR})\\s?(${NUM})|(${NUM}|${CN_NUM})\\s?(${SUFFIX_CUR})(?![a-z])`,
  'gi',
);
/** Every amount names its currency: without one of these words no amount is looked for. */
const ANY_CURRENCY = new RegExp(`${PREFIX_CUR}|${SUFFIX_CUR}`, 'i');

function amounts(text: string, fallbackCurrency: string): AmountEntity[] {
  const out: AmountEntity[] = [];
  if (!ANY_CURRENCY.test(text)) return out;
  for (const m of text.matchAll(AMOUNT_RE)) {
    const [whole, pre, preNum, postNum, post] = m;
    const raw = (preNum ?? postNum ?? '').replace(/,/g, '');
    const value = /^\d/.test(raw) ? Number(raw) : parseChineseNumber(raw);
    if (value === null || !Number.isFinite(value)) continue;
    out.push({ text: whole.trim(), value, currency: currencyOf(pre ?? post ?? '', fallbackCurrency) });
  }
  return out;
}

const WEEKDAYS_ZH: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
const WEEKDAYS_EN = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MONTHS_EN = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function pastWeekday(today: Day, weekday: number, lastWeek: boolean): Day {
  if (lastWeek) return today - (weekdayOf(today) - 1) - 7 + (weekday - 1);
  return today - ((weekdayOf(today) - weekday + 7) % 7);
}

function clock(hour: number, minute: number, meridiem: string | undefined): string | undefined {
  let h = hour;
  if (meridiem && /下午|晚上|晚|傍晚|pm|p\.m\./i.test(meridiem) && h < 12) h += 12;
  if (meridiem && /凌晨|上午|早上|am|a\.m\./i.test(meridiem) && h === 12) h = 0;
  if (h > 23 || minute > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** What a message has, so rules that cannot match it are not even tried. */
interface Scripts {
  digit: boolean;
  han: boolean;
  latin: boolean;
}

interface DateRule {
  re: RegExp;
  /** Whether the rule can match a message with these scripts (and, for some, a word every match contains). */
  needs: (s: Scripts, text: string) => boolean;
  date(m: RegExpMatchArray, today: Day): Day | undefined;
}

const DATE_RULES: DateRule[] = [
  { re: /(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?/g, needs: (s) => s.digit, date: (m) => dayFromYmd(+m[1]!, +m[2]!, +m[3]!) },
  {
    re: /(?<!\d)(\d{1,2})月(\d{1,2})[日号]/g,
    needs: (s) => s.digit, date: (m, t) => recentPast(t, +m[1]!, +m[2]!),
  },
  // A day of the month alone ("20号", "the 20th") is the most recent such day.
  { re: /(?<![\d月.\-/])(\d{1,2})[号日](?![\d]|元)/g, needs: (s) => s.digit, date: (m, t) => dayOfMonthBefore(t, +m[1]!) },
  { re: /\bthe (\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:time|floor|of\b))/g, needs: (s) => s.digit && s.latin, date: (m, t) => dayOfMonthBefore(t, +m[1]!) },
  { re: /大前天/g, needs: (s) => s.han, date: (_m, t) => t - 3 },
  { re: /前天|day before yesterday/g, needs: (s) => s.han || s.latin, date: (_m, t) => t - 2 },
  { re: /昨天|昨晚|昨日|yesterday|last night/g, needs: (s) => s.han || s.latin, date: (_m, t) => t - 1 },
  { re: /今天|今早|今晚|今日|今天早上|this morning|this afternoon|tonight|today/g, needs: (s) => s.han || s.latin, date: (_m, t) => t },
  { re: /(\d+|[一二两三四五六七八九十]+)\s*(?:天前|天之前)/g, needs: (s, text) => s.han && text.includes('天'), date: (m, t) => t - numberOf(m[1]!) },
  { re: /(\d+|a|one|two|three|four|five|six|seven)\s+days?\s+ago/g, needs: (s, text) => s.latin && text.includes('ago'), date: (m, t) => t - numberOf(m[1]!) },
  {
    re: /(上|这|本)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天])/g,
    needs: (s, text) => s.han && /周|星期|礼拜/.test(text), date: (m, t) => pastWeekday(t, WEEKDAYS_ZH[m[2]!]!, m[1] === '上'),
  },
  {
    re: /(last|this|on)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday)/g,
    // English "last Monday" is usually the most recent one, not the one in the previous week.
    needs: (s, text) => s.latin && text.includes('day'), date: (m, t) => {
      const d = pastWeekday(t, WEEKDAYS_EN.indexOf(m[2]!) + 1, false);
      return m[1] === 'last' && d === t ? d - 7 : d;
    },
  },
  {
    re: /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b/g,
    needs: (s) => s.digit && s.latin, date: (m, t) => recentPast(t, MONTHS_EN.indexOf(m[1]!) + 1, +m[2]!),
  },
  {
    re: /\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/g,
    needs: (s) => s.digit && s.latin, date: (m, t) => recentPast(t, MONTHS_EN.indexOf(m[2]!) + 1, +m[1]!),
  },
];

const TIME_RE = /(凌晨|早上|上午|中午|下午|傍晚|晚上|晚)?\s*(\d{1,2}|[一二两三四五六七八九十]+)\s*(?:点|點|时)\s*(半|(\d{1,2})\s*分?)?|(?<!\d)(\d{1,2}):(\d{2})\s*(am|pm|a\.m\.|p\.m\.)?|(?<![\d:])(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)/gi;

/** Every time has one of these: 点 (or 點, 时), a colon, or am/pm. */
const TIME_ANCHOR = /[点點时:]|[ap]\.?m/i;

function numberOf(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const en: Record<string, number> = { a: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7 };
  return en[s] ?? parseChineseNumber(s) ?? 0;
}

/** A month/day without a year means the most recent such day, not one in the future. */
function dayOfMonthBefore(today: Day, day: number): Day | undefined {
  const iso = isoOfDay(today);
  const [y, m] = iso.split('-').map(Number);
  const thisMonth = dayFromYmd(y!, m!, day);
  if (thisMonth !== undefined && thisMonth <= today) return thisMonth;
  return m === 1 ? dayFromYmd(y! - 1, 12, day) : dayFromYmd(y!, m! - 1, day);
}

function recentPast(today: Day, month: number, day: number): Day | undefined {
  const d = dayFromYmd(yearOf(today), month, day);
  if (d === undefined || d <= today) return d;
  return dayFromYmd(yearOf(today) - 1, month, day);
}

function dates(text: string, todayOf: () => Day): DateEntity[] {
  const out: DateEntity[] = [];
  const taken: Array<[number, number]> = [];
  const scripts: Scripts = { digit: /\d/.test(text), han: /\p{Script=Han}/u.test(text), latin: /[a-z]/.test(text) };
  for (const rule of DATE_RULES) {
    if (!rule.needs(scripts, text)) continue;
    for (const m of text.matchAll(rule.re)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (taken.some(([a, b]) => start < b && end > a)) continue;
      const d = rule.date(m, todayOf());
      if (d === undefined) continue;
      // "昨天晚上", "yesterday evening": keep the part of day in the text even without an hour.
      const part = /^\s*(早上|上午|中午|下午|傍晚|晚上|夜里|半夜|凌晨|morning|afternoon|evening|night)/.exec(text.slice(end));
      const stop = part ? end + part[0].length : end;
      taken.push([start, stop]);
      out.push({ text: text.slice(start, stop).trim(), date: isoOfDay(d), _at: start } as DateEntity & { _at: number });
    }
  }
  for (const m of (scripts.digit || scripts.han) && TIME_ANCHOR.test(text) ? text.matchAll(TIME_RE) : []) {
    const start = m.index ?? 0;
    let time: string | undefined;
    if (m[2]) {
      const minute = m[3] === '半' ? 30 : m[4] ? Number(m[4]) : 0;
      time = clock(numberOf(m[2]), minute, m[1]);
    } else if (m[5]) time = clock(Number(m[5]), Number(m[6]), m[7]);
    else if (m[8]) time = clock(Number(m[8]), 0, m[9]);
    if (!time) continue;
    // A time belongs to the date just before it ("昨天晚上8点"); a lone time means today.
    const owner = (out as Array<DateEntity & { _at: number }>).filter((d) => d._at <= start && !d.time).pop();
    if (owner) {
      owner.time = time;
      owner.text = text.slice(owner._at, start + m[0].length).trim();
    } else out.push({ text: m[0].trim(), date: isoOfDay(todayOf()), time, timeOnly: true, _at: start } as DateEntity & { _at: number });
  }
  return (out as Array<DateEntity & { _at: number }>)
    .sort((a, b) => a._at - b._at)
    .map(({ _at: _ignored, ...d }) => d);
}

const detailRuleCache = new WeakMap<Pack['details'], Array<{ id: string; full: RegExp; cues: string[] }>>();

/** A pack's detail patterns compiled and cue words normalised, once per pack. */
function detailRules(details: Pack['details']): Array<{ id: string; full: RegExp; cues: string[] }> {
  let rules = detailRuleCache.get(details);
  if (!rules) {
    rules = Object.entries(details).map(([id, kind]) => ({
      id,
      full: new RegExp(`^(?:${kind.pattern})$`),
      cues: Object.values(kind.cues).flat().map((c) => normalize(c)),
    }));
    detailRuleCache.set(details, rules);
  }
  return rules;
}

export interface EntityContext {
  pack: Pick<Pack, 'details' | 'timeZone' | 'defaultLocale'>;
  today?: string;
}

/** Entities in `raw` (the customer's own text, any script). Numbers are read from the NFKC form. */
export function extractEntities(raw: string, ctx: EntityContext, normalized?: string): Entities {
  const text = normalized ?? normalize(raw);
  const zone = ctx.pack.timeZone;
  let todayValue: Day | undefined;
  const today = () => (todayValue ??= dayFromIso(ctx.today ?? localDate(new Date(), zone)));
  const phones: string[] = [];
  const phoneSpans: Array<[number, number]> = [];
  const digits = /\d/.test(text);
  for (const m of digits ? text.matchAll(PHONE_RE) : []) {
    const phone = normalizePhone(m[0]);
    if (phone && !phones.includes(phone)) phones.push(phone);
    phoneSpans.push([m.index ?? 0, (m.index ?? 0) + m[0].length]);
  }
  // A ticket number has eight digits in a row; most messages have none, and are not upper-cased to find out.
  const ticketIds = /\d{8}/.test(text) ? [...raw.normalize('NFKC').toUpperCase().matchAll(TICKET_ID_RE)].map((m) => m[0]) : [];
  const details: Record<string, string[]> = {};
  const cued = new Set<string>();
  for (const { id, full, cues } of detailRules(ctx.pack.details)) {
    for (const cue of cues) {
      let from = 0;
      for (;;) {
        const at = text.indexOf(cue, from);
        if (at < 0) break;
        from = at + cue.length;
        const after = /^(?:[\s:：#=]|是|为|号|no\.?|is){0,6}([a-z0-9-]{4,30})/i.exec(text.slice(from));
        if (after && full.test(after[1]!)) {
          // Matching ran on lower-cased text; reference numbers with letters are written in capitals.
          const value = after[1]!.toUpperCase();
          (details[id] ??= []).includes(value) || details[id]!.push(value);
          cued.add(after[1]!);
        }
      }
    }
  }
  const numbers: string[] = [];
  for (const m of digits ? text.matchAll(/(?<![a-z0-9-])[a-z0-9]*\d[a-z0-9]{3,}(?![a-z0-9])/gi) : []) {
    const at = m.index ?? 0;
    if (phoneSpans.some(([a, b]) => at >= a && at < b)) continue;
    if (!/\d{4,}/.test(m[0]) || cued.has(m[0]) || /^(19|20)\d{2}$/.test(m[0])) continue;
    numbers.push(m[0]);
  }
  const currency = ctx.pack.defaultLocale === 'en' ? 'USD' : ctx.pack.defaultLocale === 'zh-TW' ? 'TWD' : 'CNY';
  return { phones, details, numbers, dates: dates(text, today), amounts: amounts(text, currency), ticketIds };
}

/** The first uncued number that fits a detail's pattern, for when the bot has just asked for that detail. */
export function detailFromNumbers(numbers: string[], pattern: string): string | undefined {
  const full = new RegExp(`^(?:${pattern})$`, 'i');
  return numbers.find((n) => full.test(n));
}
