import type { ChannelCapabilities } from '../../engine/channels.ts';
import type { OutboundMessage } from '../../engine/domain.ts';
import type { Locale } from '../../engine/packs/schema.ts';
import { present, splitText } from '../channel-kit/present.ts';

// Shared by both SMS channels (sms-twilio, sms-aliyun): how a bot message becomes a few SMS texts, and
// how phone numbers and keywords are read.

/** GSM 03.38 basic set (one septet each) and its extension table (two septets each). */
const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXT = new Set('^{}\\[~]|€\f');

/** True when every character fits the GSM-7 alphabet; anything else (Chinese, emoji, curly quotes) sends as UCS-2. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXT.has(ch)) return false;
  return true;
}

/** How many SMS segments a text costs (153 GSM-7 septets or 67 UCS-2 characters per part once concatenated). */
export function segmentsOf(text: string): number {
  if (isGsm7(text)) {
    let septets = 0;
    for (const ch of text) septets += GSM7_EXT.has(ch) ? 2 : 1;
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = text.length; // UTF-16 code units: an emoji is two
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/** Added where a text was cut because it would have taken more than the allowed number of messages. */
export const SHORTENED: Record<Locale, string> = {
  'zh-CN': '（内容较长，已省略）',
  'zh-TW': '（內容較長，已省略）',
  en: ' (shortened)',
};
/** Put before the note when the cut is not at a sentence end. */
const ELLIPSIS: Record<Locale, string> = { 'zh-CN': '……', 'zh-TW': '……', en: '...' };

export interface FitOptions {
  /** Longest part, in characters; a function picks it from the whole rendered text (GSM-7 vs UCS-2). */
  limit: number | ((rendered: string) => number);
  maxParts: number;
  locale: Locale;
}

const capsFor = (maxLength: number): ChannelCapabilities => ({ choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength, markup: 'plain' });
const len = (s: string) => [...s].length;

/** Lines grouped into chunks of at most `limit` characters; a longer line is split at its sentence ends. */
function chunkLines(text: string, limit: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    const pieces = len(line) > limit ? splitText(line, limit) : [line];
    for (const piece of pieces) {
      if (!cur) cur = piece;
      else if (len(cur) + 1 + len(piece) <= limit) cur += `\n${piece}`;
      else {
        out.push(cur);
        cur = piece;
      }
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Body parts split at sentence ends, then the options block: on the last part if it fits, else on its own. */
function assemble(body: string, tail: string, limit: number): string[] {
  const parts = body ? splitText(body, limit) : [];
  if (!tail) return parts;
  const last = parts.at(-1);
  if (last !== undefined && len(last) + 1 + len(tail) <= limit) {
    parts[parts.length - 1] = `${last}\n${tail}`;
    return parts;
  }
  return [...parts, ...chunkLines(tail, limit)];
}

/**
 * The SMS texts for one bot message: choices become numbered options with a "reply 1, 2 or 3" line
 * (present()); the body is split at sentence ends (else a comma, else a space) into parts of at most
 * `limit` characters, and the options block goes whole on the last part, or in its own part(s) split only
 * between options. When that takes more than `maxParts`, the body is cut at a sentence end and marked as
 * shortened, so the numbered options and the reply hint always arrive whole; if the options alone need
 * `maxParts` parts or more, they all go and the body keeps one part.
 */
export function smsParts(message: OutboundMessage, o: FitOptions): string[] {
  const huge = capsFor(Number.MAX_SAFE_INTEGER);
  const whole = present(message, huge, o.locale).texts.join('\n');
  if (!whole) return [];
  const limit = Math.max(10, typeof o.limit === 'function' ? o.limit(whole) : o.limit);
  const body = message.text.trim();
  const tail = message.quickReplies?.length ? present({ text: '', quickReplies: message.quickReplies }, huge, o.locale).texts.join('\n') : '';
  const parts = assemble(body, tail, limit);
  if (parts.length <= o.maxParts) return parts;

  // The options are never cut: when they alone take the allowed parts, the body keeps one part.
  const tailParts = tail ? chunkLines(tail, limit).length : 0;
  const cap = Math.max(o.maxParts, tailParts + 1);
  if (parts.length <= cap) return parts;
  const note = SHORTENED[o.locale];
  const ellipsis = ELLIPSIS[o.locale];
  const mark = (cut: string) => (/[。！？!?.…]$/u.test(cut) ? `${cut}${note}` : `${cut}${ellipsis}${note}`);
  let budget = cap * limit - len(tail) - len(ellipsis) - len(note) - 1;
  const step = Math.max(1, Math.ceil(limit / 5));
  while (budget >= 1) {
    const cut = (splitText(body, budget)[0] ?? '').replace(/[，、；,;:：\s]+$/u, '');
    const fitted = assemble(mark(cut), tail, limit);
    if (fitted.length <= cap) return fitted;
    budget = budget > step ? budget - step : budget - 1;
  }
  // Not even a marked word fits beside the options (a limit shorter than the note): the options alone.
  return tail ? chunkLines(tail, limit) : parts.slice(0, o.maxParts);
}

/** Whole-message keyword, as SMS platforms match them: trimmed, case-insensitive, trailing punctuation ignored. */
export function keywordOf(text: string): string {
  return text.normalize('NFKC').trim().replace(/[.!。！\s]+$/u, '').toUpperCase();
}

/**
 * A number to text, in E.164, from a channel user id: already E.164 (+…), or a mainland mobile as the
 * engine keeps customers' phones (11 digits, 1[3-9]…, meaning +86). Null when it is neither.
 */
export function toE164(id: string): string | null {
  const compact = id.normalize('NFKC').replace(/[\s\-()]/g, '');
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return compact;
  const mainland = /^(?:0086|86)?(1[3-9]\d{9})$/.exec(compact);
  if (mainland) return `+86${mainland[1]}`;
  return null;
}

/** For logs: never a whole phone number. */
export function maskPhone(phone: string): string {
  return phone.length <= 6 ? '***' : `${phone.slice(0, 4)}****${phone.slice(-2)}`;
}
