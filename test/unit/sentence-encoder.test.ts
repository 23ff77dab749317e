import { describe, expect, it } from 'vitest';
import { SentencePieces } from '../../engine/understand/sentence-pieces.ts';
import { loadSentenceEncoder } from '../../engine/understand/sentence-encoder.ts';
import { encoderFor } from '../../engine/understand/index.ts';
import { loadPack } from '../../engine/packs/load.ts';
import type { FaqEntry } from '../../engine/packs/schema.ts';

describe('sentence pieces (unigram cut)', () => {
  // Ids 0-5 are control symbols; scores are log-probabilities, so a long likely piece beats its parts.
  const vocabulary: Array<[string, number]> = [
    ['<pad>', 0], ['<eos>', 0], ['<unk>', 0], ['<s>', 0], ['</s>', 0], ['<mask>', 0],
    ['▁', -3], ['▁top', -5], ['▁to', -4], ['p', -4], ['▁up', -5], ['u', -6], ['▁card', -6], ['c', -7], ['a', -7], ['r', -7], ['d', -7],
  ];
  const pieces = new SentencePieces(vocabulary);

  it('takes the cut with the highest total score', () => {
    // ▁top (-5) beats ▁to + p (-8); words start with ▁ as spaces became ▁ in training.
    expect(pieces.encode('top up')).toEqual([7, 10]);
    expect(pieces.encode('card')).toEqual([12]);
  });

  it('steps over characters no piece covers, and folds width (NFKC) and runs of spaces', () => {
    expect(pieces.encode('top ☃ up')).toEqual([7, 6, 10]);
    expect(pieces.encode('ｔｏｐ   up')).toEqual([7, 10]);
    expect(pieces.encode('   ')).toEqual([]);
  });

  it('never matches control symbols, even if the text spells one', () => {
    expect(pieces.encode('<pad>')).not.toContain(0);
  });
});

describe('the English sentence encoder (Universal Sentence Encoder lite, local files)', () => {
  it('gives unit vectors that place paraphrases nearer than other questions', async () => {
    const encoder = await loadSentenceEncoder();
    const [a, b, c, d] = encoder.embed([
      'How do I add money to my account?',
      'how can I top up my account',
      'My card was stolen last night',
      '',
    ]);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(a!.length).toBe(encoder.dimension);
    expect(dot(a!, a!)).toBeCloseTo(1, 3);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.2);
    // An empty text still gets a vector (the same length), never an error.
    expect(d!.length).toBe(encoder.dimension);
    // The same text, alone or in a batch, gets the same vector.
    expect(dot(encoder.embed(['My card was stolen last night'])[0]!, c!)).toBeCloseTo(1, 4);
  });

  it('is loaded only for a large English FAQ: the shipped packs and large Chinese lists start without it', async () => {
    for (const name of ['power-utility', 'retail-bank', 'ecommerce']) expect(await encoderFor(loadPack(name))).toBeUndefined();
    const pack = loadPack('retail-bank');
    const list = (make: (i: number, j: number) => string): FaqEntry[] =>
      Array.from({ length: 20 }, (_, i) => ({ id: `e${i}`, answer: 'a', questions: Array.from({ length: 110 }, (_, j) => make(i, j)) }));
    const english = list((i, j) => `question ${i} about the account, variant ${j}`);
    const chinese = list((i, j) => `关于账户的第${i}个问题，说法${j}`);
    expect(await encoderFor({ ...pack, faq: { ...pack.faq, en: chinese } })).toBeUndefined();
    expect((await encoderFor({ ...pack, faq: { ...pack.faq, en: english } }))?.name).toBe((await loadSentenceEncoder()).name);
  });
});
