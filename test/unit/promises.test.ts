import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRenderer, formatTime } from '../../engine/i18n.ts';
import { BOTS_DIR } from '../../engine/packs/load.ts';
import { GRADES, LOCALES, type Duration, type Grade, type Locale, type Pack } from '../../engine/packs/schema.ts';
import { deadlinesFor } from '../../engine/tickets/deadlines.ts';
import { createUnderstander } from '../../engine/understand/index.ts';
import type { Understanding } from '../../engine/understand/types.ts';
import { step } from '../../flows/dialog.ts';
import { agentEta } from '../../flows/handoff.ts';
import type { IntakeData } from '../../flows/intake.ts';
import { faqAnswer } from '../../flows/replies.ts';
import type { DialogState, Effect, FlowInput, TicketDraft } from '../../flows/types.ts';
import { customerStrings } from '../helpers/customer-text.ts';
import { pack } from '../helpers/harness.ts';
import { timePromises, writtenOutDeadlines } from '../helpers/time-promises.ts';

// Promises stay within what the pack allows: every time a reply promises comes from the grade's deadlines
// (engine/tickets/deadlines.ts on the pack's calendar), never sooner, and nothing customer-facing hard-codes
// "today", "马上修好" or "within 2 hours" on its own.

const PACKS = ['power-utility', 'retail-bank', 'ecommerce'] as const;
/** Tuesday 10:00, Friday 17:30, the eve of the National Day holidays, and a Saturday night, all in Shanghai. */
const NOWS = ['2026-11-24T02:00:00.000Z', '2026-11-27T09:30:00.000Z', '2026-09-30T07:00:00.000Z', '2026-11-28T15:00:00.000Z'];
const YES: Record<Locale, string> = { 'zh-CN': '确认', 'zh-TW': '確認', en: 'yes' };
const PROGRESS: Record<Locale, string> = { 'zh-CN': '我的投诉处理得怎么样了', 'zh-TW': '我的申訴進度如何', en: 'any update on my complaint?' };

const minutesOf = (d: Duration) => d.minutes ?? (d.hours !== undefined ? d.hours * 60 : (d.workingDays ?? 0) * 24 * 60);
const understanders = new Map<string, ReturnType<typeof createUnderstander>>();
const understandFor = (p: Pack) => {
  if (!understanders.has(p.name)) understanders.set(p.name, createUnderstander(p));
  return understanders.get(p.name)!;
};

/** A grade named in a clause ("紧急问题", "urgent ones") decides which deadline a promise there is held to. */
function gradeNamed(p: Pack, clause: string): Grade | null {
  for (const g of [...GRADES].reverse()) {
    if (Object.values(p.grades[g].label).some((label) => clause.includes(label.toLowerCase()))) return g;
  }
  return null;
}

/** The soonest a promise in this text may be kept: the respond-within of the grade it names, else of "ordinary". */
const floorFor = (p: Pack, clause: string) => minutesOf(p.grades[gradeNamed(p, clause) ?? 'ordinary'].respondWithin);

/** Times of day a rendered reply names ("2026年11月25日 10:00", "Wed 25 Nov 2026, 10:00"), as instants. */
function timesIn(text: string, p: Pack): string[] {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const out: string[] = [];
  for (const m of text.matchAll(/(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})/g)) {
    out.push(DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]! }, { zone: p.timeZone }).toUTC().toISO()!);
  }
  for (const m of text.matchAll(/(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}) (\w{3}) (\d{4}), (\d{2}):(\d{2})/g)) {
    out.push(DateTime.fromObject({ year: +m[3]!, month: months.indexOf(m[2]!) + 1, day: +m[1]!, hour: +m[4]!, minute: +m[5]! }, { zone: p.timeZone }).toUTC().toISO()!);
  }
  return out;
}

/** Lengths of time a rendered reply names ("24小时", "3個工作天", "15 minutes"), as "24h", "3wd", "15m". */
function durationsIn(text: string): string[] {
  const unit = (u: string) => (/小时|小時|hour/.test(u) ? 'h' : /分钟|分鐘|minute/.test(u) ? 'm' : 'wd');
  return [...text.matchAll(/(\d+)\s*(?:个|個)?\s*(小时|小時|分钟|分鐘|工作日|工作天|hours?|minutes?|working days?)/g)].map((m) => `${m[1]}${unit(m[2]!)}`);
}
const durationKey = (d: Duration) => (d.workingDays !== undefined ? `${d.workingDays}wd` : d.hours !== undefined ? `${d.hours}h` : `${d.minutes}m`);

const iso = (t: string) => new Date(t).toISOString();

function input(p: Pack, locale: Locale, text: string, now: string, extra: Partial<FlowInput> = {}, understanding?: Partial<Understanding>): FlowInput {
  return {
    text,
    understanding: { ...understandFor(p)(text, { locale, today: now.slice(0, 10) }), ...understanding },
    now,
    pack: p,
    customer: { tags: [], complaintTimes: [] },
    openTickets: [],
    newTicketId: `${p.ticketPrefix}-20261124-TEST01`,
    deadlines: (g) => deadlinesFor(p, g, now),
    ...extra,
  };
}

/** A category of the pack filed at `grade` by itself, or an ordinary one (the intake's severity raises it). */
function categoryFor(p: Pack, grade: Grade): string {
  return (p.categories.find((c) => c.grade === grade) ?? p.categories.find((c) => c.grade === 'ordinary'))!.id;
}

function rendered(p: Pack, locale: Locale, effects: Effect[]): string {
  const render = createRenderer(p);
  return effects.flatMap((e) => (e.type === 'reply' ? [render(e.reply, locale).text] : [])).join('\n');
}

const ticketOf = (effects: Effect[]) => effects.find((e): e is Extract<Effect, { type: 'create_ticket' }> => e.type === 'create_ticket')?.ticket;

/** What every reply that states a time must satisfy: each time is one the grade's deadlines (or the human queue) give. */
function expectOnlyPackTimes(text: string, p: Pack, grade: Grade, allowedTimes: string[], where: string) {
  const rule = p.grades[grade];
  for (const at of timesIn(text, p)) expect(allowedTimes.map(iso), `${where}: a time the grade's deadlines do not give\n${text}`).toContain(at);
  const allowedDurations = [durationKey(rule.respondWithin), durationKey(rule.resolveWithin), durationKey(p.handoff.expectedWait)];
  for (const d of durationsIn(text)) expect(allowedDurations, `${where}: a length of time the pack does not give\n${text}`).toContain(d);
  // The one shorter time a reply may give is the pack's own wait for a person in the chat (handoff.expectedWait).
  const wait = minutesOf(p.handoff.expectedWait);
  const sooner = timePromises(text).filter((x) => x.kind !== 'duration' || (x.minutes! < minutesOf(rule.respondWithin) && x.minutes !== wait));
  expect(sooner.map((x) => `${x.phrase} «${x.clause}»`), `${where}: a promise sooner than the grade allows\n${text}`).toEqual([]);
}

describe('the promise detector', () => {
  it('catches time promises, and leaves facts, rights and pack-driven times alone', () => {
    const promises = [
      '我们今天就给您修好', '我们会在2小时内给您回复', '马上修好', '您放心，当天就能到账', '我們會馬上為您處理', '同事会立即联系您',
      "We'll fix it today.", 'It will be fixed immediately.', 'We will call you back within 2 hours.', "I'm acting on it straight away.",
    ];
    for (const text of promises) expect(timePromises(text), text).not.toEqual([]);
    const fine = [
      '请马上拨打95598报告具体位置', '微信、支付宝退款一般1–3个工作日到账', '签收后7天内可以申请退货', '我们会在 {{respondBy}} 前联系您',
      'You can return most items within 7 days of delivery.', 'Planned outages are normally announced 7 days ahead.',
      'Call 95598 right away with the exact location.', 'We will contact you within {{deadline.ordinary.respondWithin}}.',
    ];
    for (const text of fine) expect(timePromises(text), text).toEqual([]);
    expect(timePromises('我们会在3个工作日内给出处理结果')[0]).toMatchObject({ kind: 'duration', minutes: 3 * 24 * 60 });
    expect(writtenOutDeadlines('普通投诉会在24小时内联系您，您也可以在60日内申请评议')).toEqual(['24小时内']);
  });
});

describe('customer-facing strings (locales/*.json, bots/*/)', () => {
  const strings = customerStrings();

  it('promise no time of their own: none at all in locales, nothing sooner than the pack allows in a pack', () => {
    const offending: string[] = [];
    for (const s of strings) {
      const packName = /^bots\/([^/]+)\//.exec(s.where)?.[1];
      const p = packName ? pack(packName) : null;
      for (const promise of timePromises(s.text)) {
        const tooSoon = !p || promise.kind !== 'duration' || promise.minutes! < floorFor(p, promise.clause);
        if (tooSoon) offending.push(`${s.where}: "${promise.phrase}" in «${promise.clause}»`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('take complaint-handling deadlines from the pack, never write them out', () => {
    const offending: string[] = [];
    for (const s of strings.filter((x) => x.where.startsWith('locales/'))) {
      for (const d of writtenOutDeadlines(s.text)) offending.push(`${s.where}: ${d}`);
    }
    for (const name of PACKS) {
      for (const locale of pack(name).locales) {
        const entries = parse(readFileSync(join(BOTS_DIR, name, `faq.${locale}.yaml`), 'utf8')) as Array<{ id: string; answer: string }>;
        for (const e of entries.filter((x) => /complaint/.test(x.id))) {
          for (const d of writtenOutDeadlines(e.answer)) offending.push(`bots/${name}/faq.${locale}.yaml ${e.id}: ${d}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });
});

describe.each(PACKS)('%s: what the customer reads', (name) => {
  const p = pack(name);

  it('FAQ answers fill every deadline placeholder from the grades, and promise nothing sooner than they allow', () => {
    for (const locale of p.locales) {
      for (const entry of p.faq[locale]!) {
        for (const m of entry.answer.matchAll(/\{\{[^}]*\}\}/g)) {
          expect(m[0], `${locale} ${entry.id}`).toMatch(/^\{\{deadline\.(ordinary|urgent|major)\.(respondWithin|resolveWithin)\}\}$/);
        }
        const text = faqAnswer(p, entry.id)[locale]!;
        expect(text, `${locale} ${entry.id}`).not.toMatch(/\{\{/);
        for (const [, grade, which] of entry.answer.matchAll(/\{\{deadline\.(\w+)\.(\w+)\}\}/g)) {
          const words = createRenderer(p).text(`duration.${durationWordKey(p.grades[grade as Grade][which as 'respondWithin'])}`, locale, { n: durationNumber(p.grades[grade as Grade][which as 'respondWithin']) });
          expect(text, `${locale} ${entry.id}`).toContain(words);
        }
        // An answer is held to the grades it cites ("{{deadline.urgent.respondWithin}}" for a payment problem).
        const cited = [...entry.answer.matchAll(/\{\{deadline\.(\w+)\./g)].map((m) => minutesOf(p.grades[m[1] as Grade].respondWithin));
        const floor = (clause: string) => Math.min(floorFor(p, clause), ...cited);
        const sooner = timePromises(text).filter((x) => x.kind !== 'duration' || x.minutes! < floor(x.clause));
        expect(sooner.map((x) => `${x.phrase} «${x.clause}»`), `${locale} ${entry.id}`).toEqual([]);
      }
    }
  });

  it.each(GRADES)('filing a %s complaint promises exactly its deadlines, in every locale and at any hour', (grade) => {
    const rule = p.grades[grade];
    for (const locale of p.locales) {
      for (const now of NOWS) {
        const data: IntakeData = {
          fields: {
            // An ordinary category: the intake's severity is what makes the ticket urgent or major.
            category: categoryFor(p, 'ordinary'),
            description: 'x',
            occurredText: 'x',
            demand: 'demand:refund',
            details: {},
            phone: '13912345678',
            contactChannel: 'chat',
          },
          asking: 'confirm',
          skipped: [],
          severity: grade,
          signals: [],
        };
        const state: DialogState = { status: 'bot', locale, active: { name: 'intake', version: 1, data }, misunderstood: 0, style: 'rational' };
        const inp = input(p, locale, YES[locale], now, { choice: 'confirm' });
        const { effects } = step(state, inp);
        const ticket = ticketOf(effects)!;
        const due = deadlinesFor(p, grade, now);
        expect(ticket).toMatchObject({ grade, respondBy: due.respondBy, resolveBy: due.resolveBy });
        const text = rendered(p, locale, effects);
        const where = `${name} ${grade} ${locale} at ${now}`;
        // The confirmation names both deadlines, and no other time but when a person will pick the chat up.
        expect(text, where).toContain(formatTime(due.respondBy, locale, p.timeZone));
        expect(text, where).toContain(formatTime(due.resolveBy, locale, p.timeZone));
        expectOnlyPackTimes(text, p, grade, [due.respondBy, due.resolveBy, agentEta(inp).at], where);
        // A grade whose deadline is for a plan (major: "initial plan within 24 h") promises the plan by then, not the fix.
        if (rule.resolveMeans) {
          const resolveTime = formatTime(due.resolveBy, locale, p.timeZone);
          const sentence = text.split(/[。\n]|\.\s/).find((x) => x.includes(resolveTime)) ?? '';
          expect(sentence, where).toContain(rule.resolveMeans[locale]);
        }
      }
    }
  });

  it.each(GRADES)('a handoff with a %s ticket promises its respond-by time and the queue\'s wait, nothing sooner', (grade) => {
    for (const locale of p.locales) {
      for (const now of NOWS) {
        const category = categoryFor(p, grade);
        // Major: a threat; urgent: fury; ordinary: "put me through" with the problem in the same message.
        const how: Partial<Understanding> =
          grade === 'major' ? { intent: { name: 'complaint', confidence: 0.9 }, severity: 'major', signals: ['media'] }
          : grade === 'urgent' ? { intent: { name: 'complaint', confidence: 0.9 }, emotion: { label: 'anger', intensity: 0.95 }, severity: 'ordinary', signals: [] }
          : { intent: { name: 'request_human', confidence: 0.9 }, complaint: true, severity: 'ordinary', signals: [] };
        const state: DialogState = { status: 'bot', locale, active: null, misunderstood: 0 };
        const inp = input(p, locale, 'x', now, {}, { category: { id: grade === 'urgent' ? categoryFor(p, 'ordinary') : category, confidence: 0.9 }, locale, ...how });
        const { state: after, effects } = step(state, inp);
        expect(after.status, `${name} ${grade} ${locale}`).toBe('waiting_for_agent');
        const ticket = ticketOf(effects) as TicketDraft;
        expect(ticket.grade, `${name} ${grade} ${locale}`).toBe(grade);
        const text = rendered(p, locale, effects);
        expect(text).toContain(formatTime(ticket.respondBy, locale, p.timeZone));
        expectOnlyPackTimes(text, p, grade, [ticket.respondBy, agentEta(inp).at], `${name} ${grade} ${locale} handoff at ${now}`);
      }
    }
  });

  it.each(GRADES)('progress on a %s ticket states its own next deadline', (grade) => {
    for (const locale of p.locales) {
      const now = NOWS[0]!;
      const filed = '2026-11-20T02:00:00.000Z';
      const due = deadlinesFor(p, grade, filed);
      const summary = (status: 'new' | 'acknowledged', id: string) => ({ id, status, category: categoryFor(p, grade), grade, ...due, createdAt: filed });
      const inp = input(p, locale, PROGRESS[locale], now, { openTickets: [summary('new', 'T-NEW'), summary('acknowledged', 'T-ACK')] }, { intent: { name: 'progress', confidence: 0.9 } });
      const { effects } = step({ status: 'bot', locale, active: null, misunderstood: 0 }, inp);
      const text = rendered(p, locale, effects);
      const where = `${name} ${grade} ${locale} progress`;
      // A new ticket is due for its first contact, one taken on for its resolution.
      expect(text, where).toMatch(new RegExp(`T-NEW[^\\n]*${escape(formatTime(due.respondBy, locale, p.timeZone))}`));
      expect(text, where).toMatch(new RegExp(`T-ACK[^\\n]*${escape(formatTime(due.resolveBy, locale, p.timeZone))}`));
      expectOnlyPackTimes(text, p, grade, [due.respondBy, due.resolveBy], where);
    }
  });

  it('empathy openings promise no time, for any problem, feeling or strength', () => {
    const render = createRenderer(p);
    for (const locale of LOCALES) {
      for (const cat of p.categories) {
        for (const feeling of ['anger', 'anxiety', 'sadness']) {
          for (const strength of ['mild', 'strong']) {
            for (const n of [1, 2, 3]) {
              const text = render({ key: `empathy.${feeling}.${strength}.${n}`, params: { problem: { t: `empathy.problem.${cat.id}` } } }, locale).text;
              expect(timePromises(text), `${locale} ${feeling}.${strength}.${n}`).toEqual([]);
              expect(durationsIn(text), `${locale} ${feeling}.${strength}.${n}`).toEqual([]);
              expect(timesIn(text, p), `${locale} ${feeling}.${strength}.${n}`).toEqual([]);
            }
          }
        }
      }
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
const durationNumber = (d: Duration) => d.workingDays ?? d.hours ?? d.minutes ?? 0;
const durationWordKey = (d: Duration) => {
  const n = durationNumber(d);
  const [plural, singular] = d.workingDays !== undefined ? ['working_days', 'working_day'] : d.hours !== undefined ? ['hours', 'hour'] : ['minutes', 'minute'];
  return n === 1 ? singular : plural;
};
