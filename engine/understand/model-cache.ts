// Learned FAQ models saved between starts. A list of thousands of questions takes seconds to learn; the same
// list with the same code loads from disk in a fraction of that. A file is named by a hash of everything the
// model depends on (the training rows, the options, and the source of the code that learns it), so a changed
// FAQ or a new release never loads a stale model; anything unreadable is learned again and written anew.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinearModel, type ModelArray, type ModelSnapshot, type TrainOptions } from './linear-model.ts';

const MAGIC = 'INTAKEM1';
/** Older files beyond this many are removed when a new one is written: an edited FAQ leaves its old model behind. */
const KEEP_FILES = 8;
const here = dirname(fileURLToPath(import.meta.url));
/** The code a saved model depends on: features, vocabulary and the learner. */
const SOURCES = ['features.ts', 'vocabulary.ts', 'linear-model.ts', 'embedding-classifier.ts', 'sentence-pieces.ts', 'sentence-encoder.ts', 'encoder-graph.ts'];
let codeHash: string | undefined;

const TYPES = { Int32Array, Float32Array, Float64Array, Uint16Array, Uint8Array } as const;
type TypeName = keyof typeof TYPES;

/** Where command-line tools save models by default: the project's node_modules/.cache, the usual home of caches. */
export const DEFAULT_MODEL_CACHE = join(here, '..', '..', 'node_modules', '.cache', 'intake-models');

/** Where the service and `intake chat` keep models: MODEL_CACHE_DIR, else beside their data in DATA_DIR/models. */
export function serviceModelCache(config: { MODEL_CACHE_DIR?: string | undefined; DATA_DIR: string }): string | false {
  return modelCacheDir(config.MODEL_CACHE_DIR, join(config.DATA_DIR, 'models'));
}

/** The directory a MODEL_CACHE_DIR setting names, `fallback` when unset, false when it says `off`. */
export function modelCacheDir(setting: string | undefined, fallback: string): string | false {
  const dir = setting?.trim();
  return dir === 'off' ? false : dir || fallback;
}

function keyOf(data: Array<{ text: string; label: string }>, options: TrainOptions): string {
  codeHash ??= SOURCES.reduce((h, f) => h.update(readFileSync(join(here, f))), createHash('sha256')).digest('hex');
  // The encoder by name: a model learned without one (or with another) is another model.
  const h = createHash('sha256').update(codeHash).update(JSON.stringify({ ...options, encoder: options.encoder?.name }));
  for (const d of data) h.update(d.label).update('\u0000').update(d.text).update('\u0001');
  return h.digest('hex').slice(0, 32);
}

/** Arrays start on 8-byte boundaries, so each can be a view on the file's bytes whatever its element size. */
const align = (n: number) => Math.ceil(n / 8) * 8;

/** The file's bytes: magic, header length, JSON header (meta and array types), then the arrays 8-byte aligned. */
export function encodeSnapshot(s: ModelSnapshot): Buffer {
  const header = Buffer.from(JSON.stringify({ meta: s.meta, arrays: s.arrays.map((a) => [a.constructor.name, a.length]) }));
  const start = align(MAGIC.length + 4 + header.length);
  const size = s.arrays.reduce((n, a) => n + align(a.byteLength), start);
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  let at = start;
  for (const a of s.arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, at);
    at += align(a.byteLength);
  }
  return out;
}

/** The snapshot in `bytes`; throws on anything that is not a whole file of this format. */
export function decodeSnapshot(bytes: Buffer): ModelSnapshot {
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a saved model');
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as {
    meta: ModelSnapshot['meta'];
    arrays: Array<[TypeName, number]>;
  };
  let at = align(MAGIC.length + 4 + headerLength);
  // One aligned copy of the body, so each array is a view on it rather than a copy of its own.
  const body = new ArrayBuffer(bytes.length - at);
  new Uint8Array(body).set(bytes.subarray(at));
  const base = at;
  const arrays: ModelArray[] = header.arrays.map(([type, length]) => {
    if (!Object.hasOwn(TYPES, type) || !Number.isInteger(length) || length < 0) throw new Error('saved model: bad array header');
    const Type = TYPES[type];
    const bytesLength = length * Type.BYTES_PER_ELEMENT;
    if (at + bytesLength > bytes.length) throw new Error('saved model: file is cut short');
    const a = new Type(body, at - base, length);
    at += align(bytesLength);
    return a;
  });
  if (at !== bytes.length) throw new Error('saved model: file has trailing bytes');
  return { meta: header.meta, arrays };
}

/**
 * The model for `data`, loaded from `dir` when this exact training was saved there, else learned and saved.
 * A cache that cannot be read or written is no reason to fail: the model is then learned as without one.
 */
export function cachedModel(dir: string, data: Array<{ text: string; label: string }>, options: TrainOptions = {}): LinearModel {
  const file = join(dir, `${keyOf(data, options)}.model`);
  try {
    return LinearModel.restore(decodeSnapshot(readFileSync(file)), options.encoder);
  } catch {
    // Missing (first start), damaged or from another format: learn it again.
  }
  const model = new LinearModel(data, options);
  try {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed, so a reader in another process never sees half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, encodeSnapshot(model.snapshot()));
    renameSync(partial, file);
    prune(dir);
  } catch {
    // A read-only disk or a full one: the service runs the same, it just learns again on the next start.
  }
  return model;
}

function prune(dir: string): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.model') || f.endsWith('.partial'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  const models = files.filter(({ f }) => f.endsWith('.model'));
  // Half-written files of processes that died while writing; an hour is far longer than any write takes.
  const stale = files.filter(({ f, t }) => f.endsWith('.partial') && Date.now() - t > 3_600_000);
  for (const { f } of [...models.slice(KEEP_FILES), ...stale]) rmSync(join(dir, f), { force: true });
}
