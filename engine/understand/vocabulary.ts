import type { Features } from './features.ts';
import { IntIndex } from './int-index.ts';

/** A message as a model sees it: TF-IDF weights over the vocabulary's feature indices, L2-normalised. */
export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
  /** Share of the message's weight made of features the vocabulary knows (0-1). */
  coverage: number;
  /** As `Features.scripts`. */
  scripts: number;
}

/**
 * Every feature any model in this process has learned, numbered once: a message's features are looked up
 * here once, and each model maps the numbers to its own with an array read instead of a hash lookup.
 */
const KNOWN = new IntIndex(1 << 16);

/** A message's features as known feature numbers (-1 for features no model has seen), with weights. */
export interface FeatureRow {
  ids: Int32Array;
  weights: Float32Array;
  scripts: number;
}

const rowIds = new Int32Array(4096);
const rowWeights = new Float32Array(4096);

/** The row for `bag`, valid until the next call (no allocation per message). */
export function featureRow(bag: Features): FeatureRow {
  const n = Math.min(bag.ids.length, rowIds.length);
  for (let k = 0; k < n; k++) rowIds[k] = KNOWN.get(bag.ids[k]!);
  rowWeights.set(bag.weights.subarray(0, n));
  return { ids: rowIds.subarray(0, n), weights: rowWeights.subarray(0, n), scripts: bag.scripts };
}

/**
 * The features seen in a set of training texts, with their idf. Several models trained on the same texts
 * (sentiment, emotion, complaint) share one, so a message is turned into a vector once for all of them.
 */
export class Vocabulary {
  /** Known feature number → this vocabulary's index, or -1. */
  private readonly local: Int32Array;
  readonly idf: Float32Array;
  /** The idf a feature never seen in training would have: the rarest there is. */
  readonly unseenIdf: number;
  private readonly scratchIndex = new Int32Array(4096);
  private readonly scratchValue = new Float32Array(4096);
  readonly size: number;

  /** Each index's feature hash, kept so a learned model can be saved and restored (see model-cache.ts). */
  readonly hashes: Int32Array;

  constructor(hashes: Int32Array, idf: Float32Array, unseenIdf: number) {
    this.size = hashes.length;
    this.hashes = hashes;
    this.idf = idf;
    this.unseenIdf = unseenIdf;
    const known = Array.from(hashes, (h) => KNOWN.add(h));
    this.local = new Int32Array(KNOWN.size).fill(-1);
    known.forEach((k, i) => (this.local[k] = i));
  }

  /** The vocabulary of a set of training texts' features. */
  static learn(bags: Features[]): Vocabulary {
    const df = new Map<number, number>();
    for (const bag of bags) for (const h of bag.ids) df.set(h, (df.get(h) ?? 0) + 1);
    const idf = Float32Array.from(df.values(), (n) => Math.log((bags.length + 1) / (n + 1)) + 1);
    return new Vocabulary(Int32Array.from(df.keys()), idf, Math.log(bags.length + 1) + 1);
  }

  /** A vector to keep (training examples). */
  vector(bag: Features): SparseVector {
    const v = this.query(featureRow(bag));
    return { index: v.index.slice(), value: v.value.slice(), coverage: v.coverage, scripts: v.scripts };
  }

  /** A vector valid until the next call (queries: no allocation per message). */
  query(row: FeatureRow): SparseVector {
    let n = 0;
    let norm = 0;
    let unseen = 0;
    const { ids, weights } = row;
    const { local, idf, scratchIndex, scratchValue, unseenIdf } = this;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      const i = id >= 0 && id < local.length ? local[id]! : -1;
      if (i < 0) {
        unseen += (weights[k]! * unseenIdf) ** 2;
        continue;
      }
      const w = weights[k]! * idf[i]!;
      scratchIndex[n] = i;
      scratchValue[n++] = w;
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
    for (let j = 0; j < n; j++) scratchValue[j]! *= scale;
    const all = norm + unseen;
    return {
      index: this.scratchIndex.subarray(0, n),
      value: this.scratchValue.subarray(0, n),
      coverage: all > 0 ? Math.sqrt(norm / all) : 0,
      scripts: row.scripts,
    };
  }
}
