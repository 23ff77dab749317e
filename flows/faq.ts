import { MENU, choice, faqAnswer, localized, say, t } from './replies.ts';
import type { DialogState, Flow, FlowInput, QuickReply, StepResult } from './types.ts';

// Answering from the FAQ, then asking whether it helped. "No" (or "none of these") never ends the talk:
// it offers a complaint a colleague will follow up, or a person now.

export interface FaqData {
  /** The entry just answered: the next turn may say whether it helped. */
  answered: string;
}

/** Name and version, for saving the flow in the dialogue state before the router is known. */
const FAQ_FLOW = { name: 'faq', version: 1 } as const;

export const NEXT_STEPS: QuickReply[] = [MENU[0]!, MENU[2]!];
const FEEDBACK: QuickReply[] = [choice('faq:helped', t('qr.helped')), choice('faq:not_helped', t('qr.not_helped'))];

/** The answer to entry `id`, with "did that answer your question?"; null when the pack has no such entry. */
export function answerFaq(state: DialogState, input: FlowInput, id: string): StepResult | null {
  const answer = faqAnswer(input.pack, id);
  if (Object.keys(answer).length === 0) return null;
  return {
    state: { ...state, misunderstood: 0, active: { name: FAQ_FLOW.name, version: FAQ_FLOW.version, data: { answered: id } satisfies FaqData } },
    effects: [say('faq.answer', { answer: localized(answer) }, FEEDBACK)],
  };
}

/** Up to three close entries as buttons, and "none of these". */
export function offerCandidates(state: DialogState, input: FlowInput, ids: string[]): StepResult | null {
  const entries = input.pack.faq[state.locale] ?? input.pack.faq[input.pack.defaultLocale] ?? [];
  const offered = ids.map((id) => entries.find((e) => e.id === id)).filter((e) => e !== undefined);
  if (offered.length === 0) return null;
  return {
    state: { ...state, misunderstood: state.misunderstood + 1 },
    effects: [say('faq.did_you_mean', undefined, [...offered.map((e) => choice(`faq:${e.id}`, e.questions[0]!)), choice('faq:none', t('qr.none_of_these'))])],
  };
}

export function notAnswered(state: DialogState, key: 'faq.not_helped' | 'faq.no_answer'): StepResult {
  return { state: { ...state, active: null }, effects: [say(key, undefined, NEXT_STEPS)] };
}

/** The customer's word on the last answer, or null when the message is about something else. */
function feedback(_data: FaqData, state: DialogState, input: FlowInput): StepResult | null {
  const u = input.understanding;
  const c = input.choice;
  const done = { ...state, active: null, misunderstood: 0 };
  // "OK, got it, thanks" says it helped as much as "yes" does.
  const thanked = u.intent.name === 'thanks' || (u.intent.name === 'other' && u.social.thanks);
  if (c === 'faq:helped' || (!c && (u.intent.name === 'affirm' || thanked))) {
    return { state: done, effects: [say('faq.glad', undefined, MENU)] };
  }
  if (c === 'faq:not_helped' || (!c && u.intent.name === 'deny')) return notAnswered(done, 'faq.not_helped');
  return null;
}

/**
 * The FAQ flow owns only the turn after an answer. Anything that is not feedback goes back to the
 * dialogue's router (`route`), so a new question or a complaint is handled as if the flow were not there.
 */
export function makeFaqFlow(route: (state: DialogState, input: FlowInput) => StepResult): Flow<FaqData> {
  return {
    ...FAQ_FLOW,
    step: (data, state, input) => feedback(data, state, input) ?? route({ ...state, active: null }, input),
  };
}

