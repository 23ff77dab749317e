import en from '../locales/en.json' with { type: 'json' };
import type { DialogState, Effect, FlowInput, Param } from './types.ts';
import { categoryLabel, say, t } from './replies.ts';

/** Categories with a phrase of their own in `locales/` (the test checks every locale has the same set). */
const PROBLEM_PHRASES = new Set(Object.keys(en.empathy.problem));

/** Risk signals that are threats: going to the media, a lawyer or a regulator. */
const THREATS = new Set(['media', 'legal', 'regulator']);

/** Wordings per feeling and strength in `locales/` (`empathy.<feeling>.<strength>.<n>`). */
const VARIANTS = 3;
/** How many used wordings a conversation remembers: enough that none repeats in one conversation. */
const REMEMBERED = 12;

/**
 * The problem as a customer would say it ("a bill that is wrong", "这次没有提前通知的停电"), so the apology
 * names what went wrong; a category without such a phrase falls back to its label.
 */
function problemParam(input: FlowInput, categoryId: string | undefined): Param {
  if (!categoryId || categoryId === 'other') return t('empathy.this_problem');
  return PROBLEM_PHRASES.has(categoryId) ? t(`empathy.problem.${categoryId}`) : categoryLabel(input.pack, categoryId);
}

/**
 * Empathy first (DOMAIN.md §5): when a message carries a feeling, the reply opens by naming the problem and
 * the feeling before any question. Mild feelings get a light touch, strong ones a fuller acknowledgement.
 * Each feeling and strength has several wordings; a conversation does not hear the same one twice while
 * another is left, so an upset customer is not answered by a loop.
 */
export function empathyOpening(state: DialogState, input: FlowInput, categoryId: string | undefined): { effects: Effect[]; said: string[] } {
  const said = state.said ?? [];
  let { label, intensity } = input.understanding.emotion;
  // A customer who threatens the media, a lawyer or a regulator is upset however calm the words (DOMAIN.md §5).
  if ((label === 'none' || intensity < 0.3) && input.understanding.signals.some((s) => THREATS.has(s))) {
    label = 'anger';
    intensity = 0.3;
  }
  if (label === 'none' || intensity < 0.3) return { effects: [], said };
  const strength = intensity >= 0.6 ? 'strong' : 'mild';
  const base = `empathy.${label}.${strength}`;
  const fresh = Array.from({ length: VARIANTS }, (_, i) => `${base}.${i + 1}`).filter((k) => !said.includes(k));
  // All used: start again from the one heard longest ago.
  const key = fresh[0] ?? said.find((k) => k.startsWith(`${base}.`)) ?? `${base}.1`;
  const problem = problemParam(input, categoryId);
  return { effects: [say(key, { problem })], said: [...said.filter((k) => k !== key), key].slice(-REMEMBERED) };
}
