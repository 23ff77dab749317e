import en from '../locales/en.json' with { type: 'json' };
import zhCN from '../locales/zh-CN.json' with { type: 'json' };
import zhTW from '../locales/zh-TW.json' with { type: 'json' };
import type { Duration, Grade, Pack, Locale, Localized } from '../engine/packs/schema.ts';
import type { Effect, Param, QuickReply, Reply } from './types.ts';

export function say(key: string, params?: Record<string, Param>, quickReplies?: QuickReply[]): Effect {
  const reply: Reply = { key };
  if (params) reply.params = params;
  if (quickReplies?.length) reply.quickReplies = quickReplies;
  return { type: 'reply', reply };
}

export const t = (key: string, params?: Record<string, Param>): Param => (params ? { t: key, params } : { t: key });
export const localized = (value: Localized): Param => ({ localized: value });
export const choice = (payload: string, label: Param): QuickReply => ({ payload, label });

/** Quick replies the customer can always fall back on when the bot is idle. */
export const MENU: QuickReply[] = [
  choice('menu:complaint', t('qr.complaint')),
  choice('menu:progress', t('qr.progress')),
  choice('menu:human', t('qr.human')),
];

/** FAQ answer per locale, so the engine can render the one that matches the customer's language. */
export function faqAnswer(pack: Pack, id: string): Localized {
  const out: Localized = {};
  for (const [locale, entries] of Object.entries(pack.faq) as Array<[Locale, Pack['faq'][Locale]]>) {
    const entry = entries?.find((e) => e.id === id);
    if (entry) out[locale] = withDeadlines(entry.answer, pack, locale);
  }
  return out;
}

/** `{{deadline.<grade>.respondWithin}}` and `{{deadline.<grade>.resolveWithin}}` in a pack text. */
export const DEADLINE_PLACEHOLDER = /\{\{\s*deadline\.(ordinary|urgent|major)\.(respondWithin|resolveWithin)\s*\}\}/g;

/**
 * A pack text with its deadline placeholders filled from the pack's grades, in the locale's words
 * ("24小时", "3 working days"): an FAQ answer promises what the grades say, never a number of its own.
 */
export function withDeadlines(text: string, pack: Pick<Pack, 'grades'>, locale: Locale): string {
  return text.replace(DEADLINE_PLACEHOLDER, (_m, grade: Grade, which: 'respondWithin' | 'resolveWithin') => durationWords(pack.grades[grade][which], locale));
}

const DURATION_WORDS: Record<Locale, Record<string, string>> = { en: en.duration, 'zh-CN': zhCN.duration, 'zh-TW': zhTW.duration };

function durationKey(d: Duration): { key: string; n: number } {
  const [plural, singular, n] =
    d.workingDays !== undefined ? ['working_days', 'working_day', d.workingDays]
    : d.hours !== undefined ? ['hours', 'hour', d.hours]
    : ['minutes', 'minute', d.minutes ?? 0];
  return { key: n === 1 ? singular : plural, n };
}

function durationWords(d: Duration, locale: Locale): string {
  const { key, n } = durationKey(d);
  return DURATION_WORDS[locale][key]!.replace('{{n}}', String(n));
}

export function categoryLabel(pack: Pack, id: string | undefined): Param {
  const cat = pack.categories.find((c) => c.id === id) ?? pack.categories.find((c) => c.id === 'other')!;
  return localized(cat.label);
}

/** Customers see their own number partly hidden, as on a bank statement. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone;
}

/** A pack duration in words ("24 hours", "1 hour", "3 working days"), in the customer's locale. */
export function durationParam(d: Duration): Param {
  const { key, n } = durationKey(d);
  return t(`duration.${key}`, { n });
}
