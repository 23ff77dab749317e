import type { Locale } from '../engine/packs/schema.ts';
import { normalize, scriptCounts } from '../engine/understand/text.ts';
import { isQuestionText } from '../engine/understand/intent.ts';
import { maxGrade } from '../engine/understand/index.ts';
import type { DialogState, Effect, Flow, FlowInput, HandoffReason, StepResult, TicketSummary } from './types.ts';
import { intake, openQuestion, startIntake, draftTicket, type IntakeData } from './intake.ts';
import { answerFaq, makeFaqFlow, notAnswered, offerCandidates } from './faq.ts';
import { handOff } from './handoff.ts';
import { MENU, categoryLabel, faqAnswer, localized, say, t } from './replies.ts';
import { empathyOpening } from './empathy.ts';

/**
 * Every flow version a saved conversation may name. Removing a version is how a deployment retires an old
 * state shape: conversations saved under it are restarted politely instead of crashing.
 */
const faqFlow = makeFaqFlow(idle);
export const FLOWS: ReadonlyMap<string, Flow<unknown>> = new Map([
  [`${intake.name}@${intake.version}`, intake as Flow<unknown>],
  [`${faqFlow.name}@${faqFlow.version}`, faqFlow as Flow<unknown>],
]);

export function initialDialog(locale: Locale): DialogState {
  return { status: 'bot', locale, active: null, misunderstood: 0 };
}

/**
 * Follow the customer's language once the message has enough letters to tell; "ok" or digits keep it.
 * A language they just picked by hand wins: a tapped button label in the old language must not undo it.
 */
function localeAfter(state: DialogState, input: FlowInput): Locale {
  const u = input.understanding;
  if (input.chosenLocale) return input.chosenLocale;
  const { han, latin } = scriptCounts(input.text);
  // A short "hi" or "hello" is enough to tell; a short "ok" mid-conversation is not.
  const enough = han >= 2 || latin >= 6 || (han === 0 && latin >= 2 && u.intent.name === 'greeting');
  if (!enough || u.locale === state.locale) return state.locale;
  // A pack without zh-TW answers traditional Chinese in simplified rather than in English.
  if (!input.pack.locales.includes(u.locale)) return u.locale === 'zh-TW' && input.pack.locales.includes('zh-CN') ? 'zh-CN' : state.locale;
  return u.locale;
}

/**
 * A customer who cites rules or records is answered with facts and their basis from then on; one who is
 * upset gets soothing and short questions, until they start arguing from facts (DOMAIN.md §5).
 */
function styleAfter(state: DialogState, input: FlowInput): Pick<DialogState, 'style'> {
  const seen = input.understanding.style;
  if (seen === 'rational') return { style: 'rational' };
  if (seen === 'emotional' && state.style !== 'rational') return { style: 'emotional' };
  return state.style ? { style: state.style } : {};
}

function handoffTrigger(state: DialogState, input: FlowInput): HandoffReason | null {
  const u = input.understanding;
  const complaining = u.intent.name === 'complaint' || state.active?.name === 'intake';
  if (u.severity === 'major' && complaining && u.signals.length > 0) return 'major';
  if (u.emotion.label === 'anger' && u.emotion.intensity >= input.pack.thresholds.angerHandoff) return 'anger';
  if (u.intent.name === 'request_human' || input.choice === 'menu:human') return 'requested';
  return null;
}

/** On handoff a ticket is filed with what is known, so the agent owns a numbered case from the first minute. */
function handoffWithTicket(state: DialogState, input: FlowInput, reason: HandoffReason): StepResult {
  const u = input.understanding;
  const opening = empathyOpening(state, input, u.category?.id);
  const lead: Effect[] = opening.effects;
  state = { ...state, said: opening.said };
  const data = state.active?.name === 'intake' ? (state.active.data as IntakeData) : undefined;
  // "Put me through, the power has been off for two days" asks for a person and tells the problem: file it too.
  const describes = data?.fields.description || (!state.ticketId && (u.intent.name === 'complaint' || (u.complaint && u.category !== null)));
  if (!describes) return handOff({ ...state, active: null }, input, reason, undefined, lead);
  const fields = data?.fields ?? { details: {} };
  const intakeData: IntakeData = data ?? { fields, asking: null, skipped: [], severity: 'ordinary', signals: [] };
  const merged: IntakeData = {
    ...intakeData,
    fields: {
      ...fields,
      ...(fields.category ? {} : u.category ? { category: u.category.id } : {}),
      ...(fields.description ? {} : { description: input.text.trim() }),
      ...(fields.phone ? {} : u.entities.phones[0] ? { phone: u.entities.phones[0] } : {}),
    },
    signals: [...new Set([...intakeData.signals, ...u.signals])],
  };
  const floor = maxGrade(u.severity, reason === 'anger' ? 'urgent' : 'ordinary');
  const ticket = draftTicket(merged, input, floor);
  ticket.locale = state.locale;
  const filed: Effect[] = [
    { type: 'create_ticket', ticket },
    say('handoff.ticket_filed', { ticketId: ticket.id, respondBy: { time: ticket.respondBy } }),
  ];
  return handOff({ ...state, active: null, ticketId: ticket.id }, input, reason, ticket.id, [...lead, ...filed]);
}

function progress(state: DialogState, input: FlowInput): StepResult {
  const asked = input.understanding.entities.ticketIds;
  const mine = input.openTickets;
  if (asked.length > 0) {
    const found = mine.filter((tk) => asked.includes(tk.id));
    // Someone else's number, or a closed one, gets the same answer: nothing about it is revealed.
    if (found.length === 0) return { state, effects: [say('progress.not_found', { ticketId: asked[0]! }, MENU)] };
    return { state, effects: [progressList(input, found)] };
  }
  if (mine.length === 0) return { state, effects: [say('progress.none', undefined, MENU)] };
  return { state, effects: [progressList(input, mine)] };
}

function progressList(input: FlowInput, tickets: TicketSummary[]): Effect {
  return say('progress.list', {
    count: tickets.length,
    items: {
      list: tickets.map((tk) =>
        t('progress.item', {
          ticketId: tk.id,
          category: categoryLabel(input.pack, tk.category),
          status: t(`status.${tk.status}`),
          last: tk.lastEvent?.message ?? t(`event.${tk.lastEvent?.type ?? 'created'}`),
          due: { time: tk.status === 'new' ? tk.respondBy : tk.resolveBy },
        }),
      ),
    },
  });
}

function misunderstood(state: DialogState, input: FlowInput): StepResult {
  return {
    state: { ...state, misunderstood: state.misunderstood + 1 },
    effects: [say('fallback.not_understood', { name: localized(input.pack.displayName) }, MENU)],
  };
}

function idle(state: DialogState, input: FlowInput): StepResult {
  const u = input.understanding;
  const c = input.choice;
  if (c === 'menu:complaint') return { state: { ...state, active: { name: intake.name, version: intake.version, data: null } }, effects: [] };
  // "I only asked about my return's progress and got snapped at" mentions progress but tells a new problem:
  // with no open complaint to report on, it is taken as the complaint it is.
  const newProblem = u.intent.name === 'progress' && c !== 'menu:progress' && input.openTickets.length === 0 && u.complaint && u.category !== null;
  if (newProblem) return startIntake(state, input);
  if (c === 'menu:progress' || u.intent.name === 'progress') return progress({ ...state, misunderstood: 0 }, input);
  if (c === 'faq:helped') return { state: { ...state, misunderstood: 0 }, effects: [say('faq.glad', undefined, MENU)] };
  if (c === 'faq:not_helped' || c === 'faq:none') return notAnswered(state, 'faq.not_helped');
  if (c?.startsWith('faq:')) return answerFaq(state, input, c.slice(4)) ?? misunderstood(state, input);
  switch (u.intent.name) {
    case 'complaint':
      return startIntake(state, input);
    case 'question':
      if (u.faq && u.faq.score >= input.pack.thresholds.faqAnswer) return answerFaq(state, input, u.faq.id) ?? misunderstood(state, input);
      if (u.faq) return offerCandidates(state, input, u.faqCandidates.map((x) => x.id)) ?? misunderstood(state, input);
      // Out of scope: say so, and offer what can be done, rather than a wrong answer.
      return notAnswered({ ...state, misunderstood: state.misunderstood + 1 }, 'faq.no_answer');
    case 'greeting':
      return { state: { ...state, misunderstood: 0 }, effects: [say('greeting', { name: localized(input.pack.displayName) }, MENU)] };
    case 'thanks':
      return { state: { ...state, misunderstood: 0 }, effects: [say('thanks_reply')] };
    case 'affirm':
    case 'deny':
    case 'cancel':
    case 'restart':
      return { state: { ...state, misunderstood: 0 }, effects: [say('anything_else', undefined, MENU)] };
    default:
      if (u.category) return startIntake(state, input);
      // "OK, got it, thanks" is not a misunderstanding.
      if (u.social.thanks) return { state: { ...state, misunderstood: 0 }, effects: [say('thanks_reply')] };
      return misunderstood(state, input);
  }
}

/**
 * A clear FAQ question in the middle of an intake ("how do I pay online?" while asked for the date) is
 * answered, and the intake goes on where it was. Answers to the intake's own open-ended questions are not
 * taken for FAQ questions.
 */
function sideQuestion(state: DialogState, input: FlowInput): StepResult | null {
  const u = input.understanding;
  const data = state.active?.data as IntakeData | null | undefined;
  if (state.active?.name !== intake.name || !data || input.choice || u.intent.name !== 'question') return null;
  if (!u.faq || u.faq.score < Math.max(SIDE_QUESTION_SCORE, input.pack.thresholds.faqAnswer)) return null;
  if (data.asking === 'demand' || data.asking === 'description' || !isQuestionText(normalize(input.text))) return null;
  const answer = faqAnswer(input.pack, u.faq.id);
  const again = openQuestion(data, input);
  if (Object.keys(answer).length === 0 || !again) return null;
  return { state: { ...state, misunderstood: 0 }, effects: [say('faq.aside', { answer: localized(answer) }), say('faq.meanwhile'), again] };
}

/** How sure an FAQ match must be to interrupt an intake with its answer. */
const SIDE_QUESTION_SCORE = 0.8;

/** One turn of the whole dialogue: pure, `(state, input) -> (state, effects)`. */
export function step(saved: DialogState, input: FlowInput): StepResult {
  let state: DialogState = { ...saved, locale: localeAfter(saved, input), ...styleAfter(saved, input) };
  input = state.style ? { ...input, style: state.style } : input;
  // With a human in charge the bot stays quiet; the engine keeps the message for the agent.
  if (state.status !== 'bot') return { state, effects: [] };

  const lead: Effect[] = [];
  if (state.active && !FLOWS.has(`${state.active.name}@${state.active.version}`)) {
    lead.push(say('system.flow_restarted'));
    state = { ...state, active: null };
  }
  const trigger = handoffTrigger(state, input);
  let result: StepResult;
  const aside = trigger ? null : sideQuestion(state, input);
  if (trigger) result = handoffWithTicket(state, input, trigger);
  else if (aside) result = aside;
  else if (state.active) {
    const flow = FLOWS.get(`${state.active.name}@${state.active.version}`)!;
    result = state.active.data === null ? startIntake({ ...state, active: null }, input) : flow.step(state.active.data, state, input);
  } else {
    result = idle(state, input);
    // "I want to complain" from the menu starts an empty intake that asks its first question right away.
    if (result.state.active?.data === null) result = startIntake({ ...result.state, active: null }, { ...input, text: '' });
  }
  if (result.state.status === 'bot' && result.state.misunderstood >= input.pack.thresholds.misunderstoodTurns) {
    result = handOff(result.state, input, 'misunderstood', undefined, result.effects);
  }
  return { state: result.state, effects: [...lead, ...result.effects] };
}
