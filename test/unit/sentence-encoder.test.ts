import { describe, expect, it } from 'vitest';
import { SentencePieces } from '../../engine/understand/sentence-pieces.ts';
import { availableParallelism } from 'node:os';
import { loadSentenceEncoder } from '../../engine/understand/sentence-encoder.ts';
import { finishShared, lastSharedJob, type SharedJob } from '../../engine/understand/encoder-helpers.ts';
import { ENCODER_DIMENSION, type EncoderGraph } from '../../engine/understand/encoder-graph.ts';
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

describe('sharing a large embedding with helper threads', () => {
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);

  it('gives the vectors one thread gives, with the helpers taking batches of it', async () => {
    const encoder = await loadSentenceEncoder();
    // 640 texts: 20 batches, enough to be shared (the first 16 of them would be too).
    const texts = Array.from({ length: 640 }, (_, i) => `question ${i}: how do I ${['top up', 'freeze my card', 'change my PIN', 'get a refund'][i % 4]} ${'again '.repeat(i % 7)}`);
    await encoder.prepare!(texts);
    const shared = encoder.embed(texts);
    const { batches, byHelpers } = lastSharedJob();
    expect(batches).toBe(20);
    // Helpers start on the texts at prepare(), so by now they have taken some (on a machine with a core to spare).
    if (availableParallelism() > 1) expect(byHelpers).toBeGreaterThan(0);
    // Alone, in smaller calls: the same vectors (batches padded otherwise differ only in rounding).
    const alone = [...encoder.embed(texts.slice(0, 320)), ...encoder.embed(texts.slice(320))];
    expect(shared).toHaveLength(texts.length);
    for (let k = 0; k < texts.length; k++) expect(dot(shared[k]!, alone[k]!)).toBeCloseTo(1, 5);
  }, 60_000);

  it('finishes itself the batches of a helper that failed', () => {
    // A job half taken: batches 0 and 1 were claimed by a helper that then failed, batch 2 is still free.
    const shared = <T>(Type: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number) => new Type(new SharedArrayBuffer(n * Type.BYTES_PER_ELEMENT));
    const job: SharedJob = {
      ids: Int32Array.from([5, 6, 7, 8, 9]) as Int32Array,
      starts: Int32Array.from([0, 1, 2, 3, 4, 5]),
      out: shared(Float32Array, 5 * ENCODER_DIMENSION),
      state: shared(Int32Array, 3),
      done: shared(Int32Array, 3),
      batch: 2,
    };
    job.state.set([2, 0, 1]);
    // A stand-in graph: each text's vector is its piece id in every place.
    const graph: EncoderGraph = { vocabulary: [], run: (ids) => Float32Array.from(ids.flatMap((p) => Array(ENCODER_DIMENSION).fill(p[0]))) };
    const out = finishShared(job, graph);
    expect([0, 1, 2, 3, 4].map((k) => out[k * ENCODER_DIMENSION + 7])).toEqual([5, 6, 7, 8, 9]);
    expect(lastSharedJob()).toEqual({ batches: 3, byHelpers: 0 });
  });
});
