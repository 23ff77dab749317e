import type { Effect, FlowInput } from './types.ts';
import { categoryLabel, say, t } from './replies.ts';

/**
 * Empathy first (DOMAIN.md §5): when a message carries a feeling, the reply opens by naming the problem and
 * the feeling before any question. Mild feelings get a light touch, strong ones a fuller acknowledgement.
 */
export function empathyOpening(input: FlowInput, categoryId: string | undefined): Effect[] {
  const { label, intensity } = input.understanding.emotion;
  if (label === 'none' || intensity < 0.3) return [];
  const strength = intensity >= 0.6 ? 'strong' : 'mild';
  const problem = categoryId && categoryId !== 'other' ? categoryLabel(input.pack, categoryId) : t('empathy.this_problem');
  return [say(`empathy.${label}.${strength}`, { problem })];
}
