import { describe, expect, it } from 'vitest';
import { LinearModel, usesEncoder } from '../../engine/understand/linear-model.ts';
import { decodeSnapshot, encodeSnapshot } from '../../engine/understand/model-cache.ts';
import type { SentenceEncoder } from '../../engine/understand/sentence-encoder.ts';
import { normalize } from '../../engine/understand/text.ts';

// A stand-in encoder that knows synonyms the FAQ examples never show: each word maps to a meaning, and a text's
// vector is its meanings, normalised. The real encoder is tested in sentence-encoder.test.ts; here it is the
// ensemble's use of one that is under test, and this one's answers are known.
const MEANINGS: Record<string, number> = { add: 1, top: 1, deposit: 1, money: 2, funds: 2, balance: 2, card: 3, stolen: 4, taken: 4, missing: 4 };
function fakeEncoder(name = 'fake-1') {
  const calls: string[] = [];
  const encoder: SentenceEncoder = {
    name,
    dimension: 8,
    embed(texts) {
      calls.push(...texts);
      return texts.map((t) => {
        const v = new Float32Array(8);
        for (const w of t.split(/\W+/)) if (MEANINGS[w] !== undefined) v[MEANINGS[w]!]! += 1;
        v[0] = 0.1;
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      });
    },
  };
  return { encoder, calls };
}

// Ten entries, 2,100 questions: large enough for the full ensemble. Two entries differ only in the words the
// encoder knows as synonyms of theirs; the rest are plain.
function data() {
  const rows: Array<{ text: string; label: string }> = [];
  const fillers = ['please', 'what now', 'today', 'again', 'I need help', 'since yesterday', 'urgent'];
  let k = 0;
  const add = (text: string, label: string) => rows.push({ text: normalize(`${text} ${fillers[k++ % fillers.length]}`), label });
  for (let i = 0; i < 210; i++) {
    add('about my account: add money', 'top_up');
    add('about my account: card stolen', 'card_stolen');
  }
  const plain = ['refund status', 'exchange rate', 'change address', 'close account', 'pin reset', 'cash withdrawal fee', 'statement download', 'direct debit'];
  for (const [i, words] of plain.entries()) for (let j = 0; j < 210; j++) add(`question about ${words}`, `plain_${i}`);
  return rows;
}

describe('the sentence encoder as an FAQ ensemble member', () => {
  const rows = data();
  const { encoder, calls } = fakeEncoder();
  const withEncoder = new LinearModel(rows, { encoder });
  const without = new LinearModel(rows);

  it('is used for large English lists only', () => {
    expect(rows.length).toBeGreaterThanOrEqual(2000);
    expect(usesEncoder(rows.map((r) => r.text), 10)).toBe(true);
    expect(usesEncoder(rows.slice(0, 500).map((r) => r.text), 10)).toBe(false);
    expect(usesEncoder(rows.map((r) => `账户问题 ${r.text}`), 10)).toBe(false);
    expect(withEncoder.snapshot().meta.encoder).toBe('fake-1');
    expect(without.snapshot().meta.encoder).toBeUndefined();
  });

  it('answers a paraphrase whose words no example has, where the n-gram models are unsure', () => {
    // "deposit funds" and "taken" never occur in the examples; the rest of each question is shared by both entries.
    const q1 = normalize('about my account: deposit funds');
    const q2 = normalize('about my account: it went missing');
    for (const q of [q1, q2]) expect(without.predict(q, 1)[0]!.probability).toBeLessThan(0.8);
    expect(withEncoder.predict(q1, 1)[0]!.label).toBe('top_up');
    expect(withEncoder.predict(q2, 1)[0]!.label).toBe('card_stolen');
  });

  it('embeds only unsure English messages, and a message asked about twice once', () => {
    calls.length = 0;
    withEncoder.predict(normalize('question about pin reset please'), 1);
    withEncoder.predict(normalize('如何充值我的账户'), 1);
    expect(calls).toEqual([]);
    const q = normalize('about my account: deposit funds');
    withEncoder.predict(q, 1);
    withEncoder.predict(q, 3);
    expect(calls).toEqual([q]);
  });

  it('is saved with the model, and used after loading only with the same encoder', () => {
    const saved = decodeSnapshot(encodeSnapshot(withEncoder.snapshot()));
    const questions = ['about my account: deposit funds', 'about my account: it went missing', 'question about refund status'].map(normalize);
    const same = LinearModel.restore(saved, encoder);
    for (const q of questions) expect(same.predict(q, 3)).toEqual(withEncoder.predict(q, 3));
    // Without it, or with another encoder, the saved member is left out: the answers of the model learned without.
    for (const other of [undefined, fakeEncoder('other-encoder').encoder]) {
      const restored = LinearModel.restore(saved, other);
      for (const q of questions) expect(restored.predict(q, 3)).toEqual(without.predict(q, 3));
    }
  });

  it('a saved member that does not fit its labels is refused', () => {
    const s = withEncoder.snapshot();
    s.arrays[s.arrays.length - 1] = new Float64Array(3);
    expect(() => LinearModel.restore(s, encoder)).toThrow(/encoder member/);
  });
});
