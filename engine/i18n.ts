import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n, type TFunction } from 'i18next';
import { localParts, type LocalParts } from './local-time.ts';
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

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS_EN = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** A time in the pack's zone, in the customer's locale; a bare YYYY-MM-DD is shown as a date only. */
export function formatTime(iso: string, locale: Locale, timeZone: string): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  let p: LocalParts;
  if (dateOnly) {
    const [y, m, d] = iso.split('-');
    const weekday = ((new Date(`${iso}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
    p = { year: y!, month: m!, day: d!, hour: '00', minute: '00', weekday };
  } else {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return iso;
    p = localParts(at, timeZone);
  }
  const clock = `${p.hour}:${p.minute}`;
  if (locale === 'en') {
    const date = `${WEEKDAYS_EN[p.weekday]} ${Number(p.day)} ${MONTHS_EN[Number(p.month) - 1]} ${p.year}`;
    return dateOnly ? date : `${date}, ${clock}`;
  }
  const date = `${p.year}年${Number(p.month)}月${Number(p.day)}日`;
  return dateOnly ? date : `${date} ${clock}`;
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
  // i18next resolves the template (with its locale fallbacks) once per key and locale; filling the
  // {{placeholders}} is a plain replace, which keeps rendering off the hot path's profile.
  const templates = new Map<string, string>();
  const template = (key: string, locale: Locale): string => {
    const memoKey = `${locale}\u0000${key}`;
    let hit = templates.get(memoKey);
    if (hit === undefined) {
      hit = tf(locale)(key, { interpolation: { skipOnVariables: true }, skipInterpolation: true }) as string;
      templates.set(memoKey, hit);
    }
    return hit;
  };
  const text = (key: string, locale: Locale, params?: Record<string, Param>): string => {
    const raw = template(key, locale);
    const out = params ? raw.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => (params[name] === undefined ? '' : param(params[name]!, locale))) : raw;
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
