import type { OutboundMessage, QuickReplyOut } from '../../engine/domain.ts';
import type { ChannelCapabilities } from '../../engine/channels.ts';
import type { Locale } from '../../engine/packs/schema.ts';

/** What a channel should actually send: one or more texts, and buttons on the last one if it has them. */
export interface Presented {
  texts: string[];
  buttons: QuickReplyOut[];
}

const HINT: Record<Locale, (n: number) => string> = {
  'zh-CN': (n) => `请回复数字 1${n > 2 ? `–${n}` : n === 2 ? ' 或 2' : ''} 选择。`,
  'zh-TW': (n) => `請回覆數字 1${n > 2 ? `–${n}` : n === 2 ? ' 或 2' : ''} 選擇。`,
  en: (n) => `Reply ${n > 2 ? `with a number from 1 to ${n}` : n === 2 ? '1 or 2' : '1'}.`,
};

// Sentence ends in both scripts, then commas, then spaces: the best place to cut a long text.
const CUTS = [/[。！？!?.]\s*/gu, /[，、；,;]\s*/gu, /\s+/gu];

/** Splits at the last sentence end (else comma, else space, else hard) that keeps each part within `max`. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while ([...rest].length > max) {
    const window = [...rest].slice(0, max).join('');
    let cut = -1;
    for (const re of CUTS) {
      for (const m of window.matchAll(re)) if (m.index! + m[0].length > max / 3) cut = m.index! + m[0].length;
      if (cut > 0) break;
    }
    if (cut <= 0) cut = window.length;
    parts.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

/**
 * Degrades a reply to what the channel can show: buttons when it has them (labels cut to fit), else
 * numbered options in the text with a "reply 1, 2 or 3" line, which the bot understands when the
 * number comes back. Long texts are split at sentence ends.
 */
export function present(message: OutboundMessage, caps: ChannelCapabilities, locale: Locale = 'zh-CN'): Presented {
  const choices = message.quickReplies ?? [];
  const asButtons = caps.choices === 'buttons' && choices.length > 0 && choices.length <= caps.maxButtons;
  let text = message.text;
  if (choices.length && !asButtons) {
    text += `\n${choices.map((c, i) => `${i + 1}. ${c.label}`).join('\n')}\n${HINT[locale](choices.length)}`;
  }
  const buttons = asButtons ? choices.map((c) => ({ ...c, label: [...c.label].slice(0, caps.maxButtonLabel).join('') })) : [];
  return { texts: splitText(text, caps.maxLength), buttons };
}
