import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n, type TFunction } from 'i18next';
import { DateTime } from 'luxon';
import { PROJECT_ROOT } from './paths.ts';
import { LOCALES, type Locale, type Pack } from './packs/schema.ts';
import type { OutboundMessage } from './domain.ts';
import type { Param, Reply } from '../flows/types.ts';

export const LOCALES_DIR = join(PROJECT_ROOT, 'locales');

export function loadResources(): Record<Locale, Record<string, unknown>> {
  const out = {} as Record<Locale, Record<string, unknown>>;
  for (const locale of LOCALES) out[locale] = JSON.parse(readFileSync(join(LOCALES_DIR, `${locale}.json`), 'utf8'));
  return out;
}

let shared: i18n | undefined;
function instance(): i18n {
  if (shared) return shared;
  const resources = loadResources();
  shared = i18next.createInstance();
  void shared.init({
    initAsync: false,
    resources: Object.fromEntries(Object.entries(resources).map(([l, r]) => [l, { translation: r }])),
    fallbackLng: { 'zh-TW': ['zh-CN', 'en'], 'zh-CN': ['en'], default: ['en'] },
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  });
  return shared;
}

const TIME_FORMAT: Record<Locale, { date: string; dateTime: string }> = {
  'zh-CN': { date: 'yyyy年M月d日', dateTime: 'yyyy年M月d日 HH:mm' },
  'zh-TW': { date: 'yyyy年M月d日', dateTime: 'yyyy年M月d日 HH:mm' },
  en: { date: 'EEE d MMM yyyy', dateTime: 'EEE d MMM yyyy, HH:mm' },
};

/** A time in the pack's zone, in the customer's locale; a bare YYYY-MM-DD is shown as a date only. */
export function formatTime(iso: string, locale: Locale, timeZone: string): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const dt = DateTime.fromISO(iso, { zone: dateOnly ? timeZone : undefined }).setZone(timeZone).setLocale(locale);
  if (!dt.isValid) return iso;
  const f = TIME_FORMAT[locale];
  return dt.toFormat(dateOnly ? f.date : f.dateTime);
}

export interface Renderer {
  (reply: Reply, locale: Locale): OutboundMessage;
  text(key: string, locale: Locale, params?: Record<string, Param>): string;
}

/** Renders flow replies (keys and params) into text for one pack: pack texts, times in its zone. */
export function createRenderer(pack: Pick<Pack, 'timeZone' | 'defaultLocale'>): Renderer {
  const i18 = instance();
  const fixed = new Map<Locale, TFunction>();
  const tf = (locale: Locale): TFunction => {
    let f = fixed.get(locale);
    if (!f) fixed.set(locale, (f = i18.getFixedT(locale)));
    return f;
  };
  const param = (p: Param, locale: Locale): string => {
    if (typeof p === 'string') return p;
    if (typeof p === 'number') return String(p);
    if ('t' in p) return text(p.t, locale, p.params);
    if ('localized' in p) {
      const v = p.localized;
      return v[locale] ?? (locale === 'zh-TW' ? v['zh-CN'] : locale === 'zh-CN' ? v['zh-TW'] : undefined) ?? v[pack.defaultLocale] ?? Object.values(v)[0] ?? '';
    }
    if ('time' in p) return formatTime(p.time, locale, pack.timeZone);
    return p.list.map((item) => param(item, locale)).join('\n');
  };
  const text = (key: string, locale: Locale, params?: Record<string, Param>): string => {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(params ?? {})) values[k] = param(v, locale);
    const out = tf(locale)(key, values) as string;
    // Empty list lines (no details to show) leave blank lines behind; fold them.
    return out.replace(/\n{2,}/g, '\n').trim();
  };
  const render = ((reply: Reply, locale: Locale): OutboundMessage => {
    const msg: OutboundMessage = { text: text(reply.key, locale, reply.params) };
    if (reply.quickReplies?.length) {
      msg.quickReplies = reply.quickReplies.map((q) => ({ label: param(q.label, locale), payload: q.payload }));
    }
    return msg;
  }) as Renderer;
  render.text = text;
  return render;
}

/** Every key used by the code must exist in every locale; the locale test checks this list. */
export function hasKey(locale: Locale, key: string): boolean {
  return instance().exists(key, { lng: locale, fallbackLng: false });
}
