import { DateTime } from 'luxon';
import type { Grade } from '../engine/packs/schema.ts';
import type { ContactChannel } from '../engine/domain.ts';
import { maxGrade } from '../engine/understand/index.ts';
import { detailFromNumbers } from '../engine/understand/entities.ts';
import { contentSize, normalize } from '../engine/understand/text.ts';
import type { DialogState, Effect, Flow, FlowInput, Param, QuickReply, StepResult, TicketDraft } from './types.ts';
import { categoryLabel, choice, localized, maskPhone, say, t, durationParam } from './replies.ts';
import { empathyOpening } from './empathy.ts';
import { tierHandoff } from './tiers.ts';
import { handOff } from './handoff.ts';

export interface IntakeFields {
  category?: string;
  description?: string;
  occurredAt?: string;
  occurredText?: string;
  demand?: string;
  details: Record<string, string>;
  phone?: string;
  contactChannel?: ContactChannel;
}

export interface IntakeData {
  fields: IntakeFields;
  /** The question the customer is answering now. */
  asking: string | null;
  /** Details the customer said they do not have; the agent looks them up. */
  skipped: string[];
  severity: Grade;
  signals: string[];
}

const DONT_KNOW = /不知道|不记得|记不清|忘了|没有|找不到|不清楚|跳过|don'?t (know|have|remember)|not sure|no idea|skip|can'?t find|unknown/;
const CONTACT_WORDS: Array<[ContactChannel, RegExp]> = [
  // Normalised text: zh-TW 簡訊 (text message) and 電聯 (call me) arrive as 简讯 and 电联.
  ['sms', /短信|简讯|sms|text( me)?|message me/],
  ['phone', /电话|电联|打给我|致电|call|phone/],
  ['chat', /这里|聊天|在线|微信|chat|here|online|this app/],
];

const REQUEST_ONLY = /我要|我想|我需要|投诉一下|投诉|反映一下|举报|i want to|i'd like to|i would like to|file|make|lodge|a complaint|complaint|complain|please|hello|hi|你好|您好/g;

function newIntake(): IntakeData {
  return { fields: { details: {} }, asking: null, skipped: [], severity: 'ordinary', signals: [] };
}

function categoryOf(input: FlowInput, id: string | undefined) {
  return input.pack.categories.find((c) => c.id === id);
}

function missing(data: IntakeData, input: FlowInput): string | null {
  const f = data.fields;
  if (!f.category) return 'category';
  if (!f.description) return 'description';
  if (!f.occurredAt && !f.occurredText) return 'when';
  if (!f.demand) return 'demand';
  for (const d of categoryOf(input, f.category)?.asks ?? []) {
    if (!f.details[d] && !data.skipped.includes(d)) return `detail:${d}`;
  }
  if (!f.phone) return 'phone';
  if (!f.contactChannel) return 'contact';
  return null;
}

/** Questions an upset customer is asked in their short form: fewer words, no examples to read. */
const SHORT_FORM = new Set(['description', 'when', 'demand', 'phone', 'contact']);

function question(field: string, input: FlowInput): Effect {
  const effect = questionFor(field, input);
  if (input.style === 'emotional' && SHORT_FORM.has(field) && effect.type === 'reply') {
    return { ...effect, reply: { ...effect.reply, key: `${effect.reply.key}_short` } };
  }
  return effect;
}

function questionFor(field: string, input: FlowInput): Effect {
  const pack = input.pack;
  switch (field) {
    case 'category':
      return say(
        'intake.ask_category',
        undefined,
        pack.categories.map((c) => choice(`cat:${c.id}`, localized(c.label))),
      );
    case 'description':
      return say('intake.ask_description');
    case 'when':
      return say('intake.ask_when', undefined, [choice('when:unknown', t('qr.dont_remember'))]);
    case 'demand':
      return say('intake.ask_demand', undefined, [
        choice('demand:repair', t('demand.repair')),
        choice('demand:refund', t('demand.refund')),
        choice('demand:compensation', t('demand.compensation')),
        choice('demand:apology', t('demand.apology')),
        choice('demand:explanation', t('demand.explanation')),
      ]);
    case 'phone':
      return say('intake.ask_phone');
    case 'contact':
      return say('intake.ask_contact', undefined, [
        choice('contact:chat', t('contact.chat')),
        choice('contact:sms', t('contact.sms')),
        choice('contact:phone', t('contact.phone')),
      ]);
    default: {
      const detail = pack.details[field.slice('detail:'.length)]!;
      return say('intake.ask_detail', { question: localized(detail.ask) }, [choice('skip', t('qr.dont_have'))]);
    }
  }
}

function demandParam(demand: string): Param {
  const kind = /^demand:(\w+)$/.exec(demand)?.[1];
  return kind ? t(`demand.${kind}`) : demand;
}

function summary(data: IntakeData, input: FlowInput, updated: boolean): Effect {
  const f = data.fields;
  const details: Param[] = Object.entries(f.details).map(([id, value]) =>
    t('intake.summary_detail', { label: localized(input.pack.details[id]!.label), value }),
  );
  // A bare date keeps the customer's own words beside it ("22 Nov (the night before last)").
  const when: Param = f.occurredAt
    ? f.occurredText && !f.occurredAt.includes('T')
      ? t('intake.when_with_words', { date: { time: f.occurredAt }, words: f.occurredText })
      : { time: f.occurredAt }
    : f.occurredText === 'unknown'
      ? t('intake.when_unknown')
      : (f.occurredText ?? '');
  return say(
    updated ? 'intake.confirm_updated' : 'intake.confirm',
    {
      category: categoryLabel(input.pack, f.category),
      description: f.description ?? '',
      when,
      demand: demandParam(f.demand ?? ''),
      details: { list: details },
      phone: maskPhone(f.phone ?? ''),
      contact: t(`contact.${f.contactChannel ?? 'chat'}`),
    },
    [choice('confirm', t('qr.confirm')), choice('edit', t('qr.edit')), choice('cancel', t('qr.cancel'))],
  );
}

function whichField(input: FlowInput, data: IntakeData): Effect {
  const fields: QuickReply[] = [
    choice('field:category', t('field.category')),
    choice('field:description', t('field.description')),
    choice('field:when', t('field.when')),
    choice('field:demand', t('field.demand')),
    ...(categoryOf(input, data.fields.category)?.asks ?? []).map((d) =>
      choice(`field:detail:${d}`, localized(input.pack.details[d]!.label)),
    ),
    choice('field:phone', t('field.phone')),
    choice('field:contact', t('field.contact')),
  ];
  return say('intake.ask_which_field', undefined, fields);
}

function clearField(data: IntakeData, field: string): void {
  const f = data.fields;
  if (field === 'category') delete f.category;
  else if (field === 'description') delete f.description;
  else if (field === 'when') {
    delete f.occurredAt;
    delete f.occurredText;
  } else if (field === 'demand') delete f.demand;
  else if (field === 'phone') delete f.phone;
  else if (field === 'contact') delete f.contactChannel;
  else if (field.startsWith('detail:')) {
    const id = field.slice('detail:'.length);
    delete f.details[id];
    data.skipped = data.skipped.filter((s) => s !== id);
  }
}

/** A date the customer gave, as an ISO instant in the pack's zone, or a bare YYYY-MM-DD when no time was said. */
function occurred(d: { date?: string; time?: string }, timeZone: string): string | undefined {
  if (!d.date) return undefined;
  return d.time ? (DateTime.fromISO(`${d.date}T${d.time}`, { zone: timeZone }).toISO() ?? undefined) : d.date;
}

/**
 * A rough time in the past, on normalised text: enough to say when it happened, if not a date. Months are
 * left out: "上个月" is more often the bill compared with ("比上个月翻了一倍") than when something happened.
 */
const ROUGH_WHEN = /(?<![比和跟])上(个)?(周|星期|礼拜)(?![一二三四五六日天])|前几天|前阵子|last week|a few days ago|the other day|earlier this week/;

/**
 * The customer's own characters for a span found in the normalised text (lower case, simplified script),
 * so a zh-TW customer's "上禮拜" is restated as they wrote it. Normalising maps one character to one.
 */
function ownWords(text: string, span: string): string {
  for (let i = 0; i + span.length <= text.length; i++) {
    const piece = text.slice(i, i + span.length);
    if (normalize(piece) === span) return piece;
  }
  return span;
}

/** Every detail's cue words, normalised, longest first. */
function cueWords(pack: FlowInput['pack']): string[] {
  return Object.values(pack.details)
    .flatMap((d) => Object.values(d.cues).flat())
    .map((c) => normalize(c))
    .sort((a, b) => b.length - a.length);
}

/** Takes everything the message says that fills or corrects a field, whatever was asked. Returns fields changed. */
interface Absorbed {
  /** Fields this message filled or changed. */
  touched: string[];
  /** Fields that already had a different value: corrections the customer should hear were taken. */
  corrected: string[];
  /** What is left of the message once the entities it carried are taken out. */
  leftover: number;
}

function absorb(data: IntakeData, input: FlowInput, asking: string | null): Absorbed {
  const u = input.understanding;
  const f = data.fields;
  const touched: string[] = [];
  const corrected: string[] = [];
  const set = (field: string, had: unknown) => {
    touched.push(field);
    if (had) corrected.push(field);
  };
  const phone = u.entities.phones[0];
  if (phone && phone !== f.phone) {
    set('phone', f.phone);
    f.phone = phone;
  }
  for (const [id, values] of Object.entries(u.entities.details)) {
    const value = values[0];
    if (value && value !== f.details[id]) {
      set(`detail:${id}`, f.details[id]);
      f.details[id] = value;
      data.skipped = data.skipped.filter((s) => s !== id);
    }
  }
  const said = u.entities.dates[0];
  // "around 3pm" after "yesterday afternoon" is 3 pm yesterday, not today.
  const date = said?.timeOnly && f.occurredAt ? { ...said, date: f.occurredAt.slice(0, 10) } : said;
  if (date && (asking !== 'description' || !f.occurredAt)) {
    const at = occurred(date, input.pack.timeZone);
    if (at && at !== f.occurredAt) {
      // A time added to a date already given ("3 pm" after "yesterday") refines it; it corrects nothing.
      set('when', f.occurredAt && !at.startsWith(f.occurredAt) ? f.occurredAt : undefined);
      f.occurredAt = at;
      f.occurredText = ownWords(input.text, date.text);
    }
  } else if (!f.occurredAt && !f.occurredText && (asking === null || asking === 'description')) {
    // "Last week" in the story is an answer to "when?", if not a date: kept in the customer's words.
    const rough = ROUGH_WHEN.exec(normalize(input.text));
    if (rough) {
      set('when', undefined);
      f.occurredText = ownWords(input.text, rough[0]);
    }
  }
  if (!f.category && u.category && u.category.confidence >= 0.55) f.category = u.category.id;
  if (!f.demand && u.demands.length && asking !== 'description') f.demand = `demand:${u.demands[0]}`;
  for (const s of u.signals) if (!data.signals.includes(s)) data.signals.push(s);
  if (u.severity === 'major') data.severity = 'major';
  let rest = normalize(input.text);
  for (const e of [...u.entities.dates.map((d) => d.text), ...u.entities.phones, ...u.entities.numbers, ...Object.values(u.entities.details).flat()]) {
    rest = rest.replace(normalize(e), ' ');
  }
  // The words that introduce a number ("订单号", "order number") say nothing beyond it.
  if (touched.some((f) => f.startsWith('detail:'))) for (const cue of cueWords(input.pack)) rest = rest.replace(cue, ' ');
  rest = rest.replace(/[\d\s+\-:：,，。.!！?？]+|左右|大概|差不多|around|about|approximately|ish/g, ' ');
  return { touched, corrected, leftover: contentSize(rest) };
}

type Answer = 'ok' | 'missed' | 'unclear';

/** Reads the reply to the question just asked. */
function answer(data: IntakeData, input: FlowInput, asking: string): Answer {
  const u = input.understanding;
  const f = data.fields;
  const norm = normalize(input.text);
  const c = input.choice;
  switch (asking) {
    case 'category': {
      if (c?.startsWith('cat:')) f.category = c.slice(4);
      else if (u.category) f.category = u.category.id;
      else if (!f.description && contentSize(input.text) >= 4) f.description = input.text.trim();
      return f.category ? 'ok' : 'missed';
    }
    case 'description':
      if (contentSize(input.text) < 2) return 'missed';
      f.description = input.text.trim();
      return 'ok';
    case 'when':
      if (f.occurredAt) return 'ok';
      if (c === 'when:unknown' || DONT_KNOW.test(norm)) f.occurredText = 'unknown';
      else {
        if (contentSize(input.text) < 1) return 'missed';
        f.occurredText = input.text.trim().slice(0, 100);
      }
      return 'ok';
    case 'demand':
      if (c?.startsWith('demand:')) f.demand = c;
      // A bare number is an answer to some other question, not what the customer wants done.
      else if (contentSize(input.text.replace(/[\d\s+-]+/g, ' ')) >= 1) f.demand = input.text.trim().slice(0, 300);
      return f.demand ? 'ok' : 'missed';
    case 'phone':
      if (f.phone) return 'ok';
      // Digits that are not a valid number deserve the format hint; words are probably about something else.
      return /\d{3,}/.test(input.text.normalize('NFKC')) ? 'missed' : 'unclear';
    case 'contact': {
      const picked = c?.startsWith('contact:') ? (c.slice(8) as ContactChannel) : CONTACT_WORDS.find(([, re]) => re.test(norm))?.[0];
      if (!picked) return 'missed';
      f.contactChannel = picked;
      return 'ok';
    }
    default: {
      const id = asking.slice('detail:'.length);
      if (f.details[id]) return 'ok';
      const value = detailFromNumbers(u.entities.numbers, input.pack.details[id]!.pattern);
      if (value) {
        // Numbers were read from lower-cased text; references with letters are written in capitals.
        f.details[id] = value.toUpperCase();
        return 'ok';
      }
      if (c === 'skip' || DONT_KNOW.test(norm)) {
        data.skipped.push(id);
        return 'ok';
      }
      return 'missed';
    }
  }
}

const RETRY_KEY: Record<string, string> = {
  phone: 'intake.phone_invalid',
  category: 'intake.category_unclear',
  contact: 'intake.contact_unclear',
};

function ask(data: IntakeData, state: DialogState, input: FlowInput, lead: Effect[]): StepResult {
  const next = missing(data, input);
  if (!next) {
    data.asking = 'confirm';
    return { state: withIntake(state, data), effects: [...lead, summary(data, input, false)] };
  }
  data.asking = next;
  return { state: withIntake(state, data), effects: [...lead, question(next, input)] };
}

function withIntake(state: DialogState, data: IntakeData): DialogState {
  return { ...state, active: { name: intake.name, version: intake.version, data } };
}

function gradeFor(data: IntakeData, input: FlowInput): Grade {
  let grade = maxGrade(categoryOf(input, data.fields.category)?.grade ?? 'ordinary', data.severity);
  if (input.customer.tags.includes(input.pack.tiers.vip.tag)) grade = maxGrade(grade, input.pack.tiers.vip.minGrade);
  return grade;
}

/** The ticket for what is known so far; used on confirmation and when a human must take over mid-intake. */
export function draftTicket(data: IntakeData, input: FlowInput, gradeFloor: Grade = 'ordinary'): TicketDraft {
  const f = data.fields;
  const grade = maxGrade(gradeFor(data, input), gradeFloor);
  const { respondBy, resolveBy } = input.deadlines(grade);
  const draft: TicketDraft = {
    id: input.newTicketId,
    status: 'new',
    grade,
    category: f.category ?? 'other',
    description: f.description ?? input.text.trim(),
    details: { ...f.details },
    contact: { channel: f.contactChannel ?? 'chat', ...(f.phone ? { phone: f.phone } : {}) },
    locale: input.understanding.locale,
    signals: [...data.signals],
    escalationLevel: 1,
    respondBy,
    resolveBy,
    createdAt: input.now,
  };
  if (f.demand) draft.demand = f.demand;
  if (f.occurredAt) draft.occurredAt = f.occurredAt;
  if (f.occurredText) draft.occurredText = f.occurredText;
  return draft;
}

function file(data: IntakeData, state: DialogState, input: FlowInput): StepResult {
  const ticket = draftTicket(data, input);
  ticket.locale = state.locale;
  const rule = input.pack.grades[ticket.grade];
  const effects: Effect[] = [{ type: 'create_ticket', ticket }];
  if (data.fields.phone && data.fields.phone !== input.customer.phone) effects.push({ type: 'set_phone', phone: data.fields.phone });
  // A grade whose deadline is for a plan, not the fix (major: "initial plan within 24 h"), promises the plan.
  const means: Record<string, Param> = rule.resolveMeans ? { means: localized(rule.resolveMeans) } : {};
  effects.push(
    say(rule.resolveMeans ? 'intake.filed_plan' : 'intake.filed', {
      ticketId: ticket.id,
      grade: localized(rule.label),
      respondBy: { time: ticket.respondBy },
      resolveBy: { time: ticket.resolveBy },
      next: t(`next.${ticket.grade}`, { contact: t(`contact_inline.${ticket.contact.channel}`) }),
      ...means,
    }),
  );
  // A customer who argues from facts hears the basis of the deadlines, not only the deadlines.
  if (input.style === 'rational') {
    const basis: Record<string, Param> = { grade: localized(rule.label), respondWithin: durationParam(rule.respondWithin), resolveWithin: durationParam(rule.resolveWithin), ...means };
    effects.push(say(rule.resolveMeans ? 'intake.basis_plan' : 'intake.basis', basis));
  }
  const done: DialogState = { ...state, active: null, ticketId: ticket.id, misunderstood: 0 };
  const tier = tierHandoff(input, ticket.grade);
  if (tier) {
    const handed = handOff(done, input, tier, ticket.id);
    return { state: handed.state, effects: [...effects, ...handed.effects] };
  }
  return { state: done, effects };
}

/** Starts an intake from the message that revealed a complaint, keeping everything it already says. */
export function startIntake(state: DialogState, input: FlowInput): StepResult {
  const data = newIntake();
  const u = input.understanding;
  absorb(data, input, null);
  // The opening message is the description when it says more than "I want to complain".
  const said = normalize(input.text).replace(REQUEST_ONLY, ' ');
  const descriptive = contentSize(said) >= (u.language === 'zh' ? 5 : 4) && !input.choice;
  if (descriptive) data.fields.description = input.text.trim();
  const opening = empathyOpening(state, input, data.fields.category);
  return ask(data, { ...state, misunderstood: 0, said: opening.said }, input, opening.effects);
}

// Questions whose answer is free text: a message that only carried other fields is not an answer to them.
const FREE_TEXT = new Set(['description', 'when', 'demand']);

function stepIntake(data: IntakeData, state: DialogState, input: FlowInput): StepResult {
  const u = input.understanding;
  const c = input.choice;
  if (c === 'cancel' || u.intent.name === 'cancel') {
    return { state: { ...state, active: null, misunderstood: 0 }, effects: [say('intake.cancelled', undefined, [choice('menu:complaint', t('qr.complaint'))])] };
  }
  if (c === 'restart' || u.intent.name === 'restart') {
    return ask(newIntake(), { ...state, misunderstood: 0 }, input, [say('intake.restarted')]);
  }
  const asking = data.asking;
  const next = structuredClone(data);
  const absorbed = absorb(next, input, asking);
  const lead = absorbed.corrected.length ? [say('intake.noted_correction')] : [];
  const live = (misunderstood: number) => withIntake({ ...state, misunderstood }, next);

  if (asking === 'confirm') {
    if (c === 'confirm' || (u.intent.name === 'affirm' && absorbed.touched.length === 0)) return file(next, state, input);
    if (absorbed.touched.length > 0) {
      next.asking = 'confirm';
      return { state: live(0), effects: [summary(next, input, true)] };
    }
    if (c === 'edit' || u.intent.name === 'deny') {
      next.asking = 'which_field';
      return { state: live(0), effects: [whichField(input, next)] };
    }
    return { state: live(state.misunderstood + 1), effects: [say('intake.confirm_unclear'), summary(next, input, false)] };
  }
  if (asking === 'which_field') {
    const field = c?.startsWith('field:') ? c.slice(6) : null;
    if (!field) return { state: live(state.misunderstood + 1), effects: [whichField(input, next)] };
    clearField(next, field);
    next.asking = field;
    return { state: live(0), effects: [question(field, input)] };
  }
  // A customer one step behind ("about 3 pm" when asked what they want) adds to the record; the open
  // question is asked again instead of taking the time as their demand.
  const stillOpen = asking !== null && missing(next, input) === asking;
  if (asking && FREE_TEXT.has(asking) && stillOpen && absorbed.touched.length > 0 && !absorbed.touched.includes(asking) && absorbed.leftover <= 2 && !c) {
    return { state: live(0), effects: [say(absorbed.corrected.length ? 'intake.noted_correction' : 'intake.noted'), question(asking, input)] };
  }
  // Details told while answering "when" belong to the description, not lost.
  if (asking === 'when' && absorbed.leftover >= 10 && next.fields.description && !next.fields.description.includes(input.text.trim())) {
    next.fields.description = `${next.fields.description}\n${input.text.trim()}`;
  }
  const result = asking ? answer(next, input, asking) : 'ok';
  if (asking && result !== 'ok') {
    const retry = result === 'missed' ? (RETRY_KEY[asking] ?? 'intake.answer_unclear') : 'intake.answer_unclear';
    return { state: live(state.misunderstood + 1), effects: [...lead, say(retry), question(asking, input)] };
  }
  return ask(next, { ...state, misunderstood: 0 }, input, lead);
}

/** The open question again, after the bot answered something else in between (an FAQ mid-intake). */
export function openQuestion(data: IntakeData, input: FlowInput): Effect | null {
  if (!data.asking) return null;
  if (data.asking === 'confirm') return summary(data, input, false);
  if (data.asking === 'which_field') return whichField(input, data);
  return question(data.asking, input);
}

export const intake: Flow<IntakeData> = { name: 'intake', version: 1, step: stepIntake };
