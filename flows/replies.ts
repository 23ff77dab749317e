import type { Duration, Pack, Locale, Localized } from '../engine/packs/schema.ts';
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
    if (entry) out[locale] = entry.answer;
  }
  return out;
}

export function categoryLabel(pack: Pack, id: string | undefined): Param {
  const cat = pack.categories.find((c) => c.id === id) ?? pack.categories.find((c) => c.id === 'other')!;
  return localized(cat.label);
}

/** Customers see their own number partly hidden, as on a bank statement. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone;
}

/** A pack duration in words ("24 hours", "3 working days"), in the customer's locale. */
export function durationParam(d: Duration): Param {
  if (d.workingDays !== undefined) return t('duration.working_days', { n: d.workingDays });
  if (d.hours !== undefined) return t('duration.hours', { n: d.hours });
  return t('duration.minutes', { n: d.minutes ?? 0 });
}
