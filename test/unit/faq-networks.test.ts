import { describe, expect, it } from 'vitest';
import { LinearModel } from '../../engine/understand/linear-model.ts';
import { normalize } from '../../engine/understand/text.ts';

// The small networks beside the linear FAQ model combine features: which entry a question belongs to can
// depend on two words together, which no sum of per-word weights can express. Here "card" with "lost" or
// "app" with "locked" is one entry, and the crossed pairs are another: each word alone says nothing.
function data(perPair: number) {
  const rows: Array<{ text: string; label: string }> = [];
  // Seven endings over four questions: every ending goes with every question, so none gives the entry away.
  const fillers = ['please help', 'what now', 'urgent', 'since yesterday', 'today', 'again', 'I need advice'];
  let k = 0;
  const add = (text: string, label: string) => rows.push({ text: normalize(`${text} ${fillers[k++ % fillers.length]}`), label });
  for (let i = 0; i < perPair; i++) {
    add('my card is lost', 'blocked_access');
    add('the app is locked', 'blocked_access');
    add('the app is lost', 'other_problem');
    add('my card is locked', 'other_problem');
  }
  // Eight plain entries, so the list is as large and varied as one that gets networks.
  const plain = ['refund status', 'exchange rate', 'change address', 'close account', 'top up limit', 'pin reset', 'cash withdrawal fee', 'statement download'];
  for (const [i, words] of plain.entries()) for (let j = 0; j < perPair / 2; j++) add(`question about ${words}`, `plain_${i}`);
  return rows;
}

const accuracy = (model: LinearModel) => {
  const cases: Array<[string, string]> = [
    ['my card is lost', 'blocked_access'],
    ['the app is locked', 'blocked_access'],
    ['the app is lost', 'other_problem'],
    ['my card is locked', 'other_problem'],
  ];
  return cases.filter(([q, want]) => model.predict(normalize(q), 1)[0]?.label === want).length / cases.length;
};

describe('FAQ networks beside the linear model', () => {
  const rows = data(260);

  it('a large list (2,000+ questions) gets them, and they tell apart entries that only word pairs separate', () => {
    expect(rows.length).toBeGreaterThanOrEqual(2000);
    expect(accuracy(new LinearModel(rows))).toBe(1);
  });

  it('the linear model alone cannot: it does no better than chance on the crossed pairs', () => {
    expect(accuracy(new LinearModel(rows, { hidden: 0 }))).toBeLessThanOrEqual(0.75);
  });

  it('a small list (a pack\'s own FAQ) stays linear: the same answers as with the networks turned off', () => {
    const small = data(20);
    const a = new LinearModel(small);
    const b = new LinearModel(small, { hidden: 0 });
    for (const q of ['my card is lost', 'question about pin reset', 'the app is locked']) expect(a.predict(normalize(q), 3)).toEqual(b.predict(normalize(q), 3));
  });
});
