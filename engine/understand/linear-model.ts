import { featurize, type Features } from './features.ts';

/** A message as a model sees it: TF-IDF weights over the vocabulary's feature indices, L2-normalised. */
export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
  /** Share of the message's weight made of features the vocabulary knows (0-1). */
  coverage: number;
}

export interface Prediction {
  label: string;
  /** Softmax probability of the label. */
  probability: number;
  /** Cosine similarity to the closest training example of that label. */
  similarity: number;
  /** Calibrated 0-1 chance that this label is right and the message in scope. */
  score: number;
  /** The evidence the score is calibrated from (see `predictFeatures`). */
  z: number;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  seed?: number;
}

// Fitted by logistic regression of "top label right and message in scope" on z, over CLINC150 validation
// (in scope and out of scope) and the Banking77 held-out split: `npm run eval:calibrate`.
const CALIBRATION = { slope: 2.9, midpoint: 3.2 };

/** Deterministic shuffling, so a pack trains to the same model on every start. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const next = () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Indices of the `k` largest values, largest first. */
function topIndices(values: Float64Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (out.length === k && values[i]! <= values[out[k - 1]!]!) continue;
    let at = out.length < k ? out.length : k - 1;
    out[at] = i;
    while (at > 0 && values[out[at - 1]!]! < values[i]!) {
      out[at] = out[at - 1]!;
      out[--at] = i;
    }
  }
  return out;
}

function softmax(scores: Float64Array): void {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (let c = 0; c < scores.length; c++) sum += scores[c] = Math.exp(scores[c]! - max);
  for (let c = 0; c < scores.length; c++) scores[c]! /= sum;
}

/**
 * The features seen in a set of training texts, with their idf. Several models trained on the same texts
 * (sentiment, emotion, complaint) share one, so a message is turned into a vector once for all of them.
 */
export class Vocabulary {
  private readonly featureIndex = new Map<number, number>();
  private readonly idf: Float32Array;
  /** The idf a feature never seen in training would have: the rarest there is. */
  private readonly unseenIdf: number;
  private readonly scratchIndex = new Int32Array(4096);
  private readonly scratchValue = new Float32Array(4096);

  constructor(bags: Features[]) {
    const df = new Map<number, number>();
    for (const bag of bags) for (const h of bag.keys()) df.set(h, (df.get(h) ?? 0) + 1);
    for (const h of df.keys()) this.featureIndex.set(h, this.featureIndex.size);
    this.idf = new Float32Array(this.featureIndex.size);
    for (const [h, i] of this.featureIndex) this.idf[i] = Math.log((bags.length + 1) / (df.get(h)! + 1)) + 1;
    this.unseenIdf = Math.log(bags.length + 1) + 1;
  }

  get size(): number {
    return this.featureIndex.size;
  }

  /** A vector to keep (training examples). */
  vector(bag: Features): SparseVector {
    const v = this.query(bag);
    return { index: v.index.slice(), value: v.value.slice(), coverage: v.coverage };
  }

  /** A vector valid until the next call (queries: no allocation per message). */
  query(bag: Features): SparseVector {
    let n = 0;
    let norm = 0;
    let unseen = 0;
    for (const [h, tf] of bag) {
      const i = this.featureIndex.get(h);
      if (i === undefined) {
        unseen += (tf * this.unseenIdf) ** 2;
        continue;
      }
      if (n === this.scratchIndex.length) break;
      const w = tf * this.idf[i]!;
      this.scratchIndex[n] = i;
      this.scratchValue[n++] = w;
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
    for (let j = 0; j < n; j++) this.scratchValue[j]! *= scale;
    const all = norm + unseen;
    return { index: this.scratchIndex.subarray(0, n), value: this.scratchValue.subarray(0, n), coverage: all > 0 ? Math.sqrt(norm / all) : 0 };
  }
}

/**
 * Multinomial logistic regression over hashed TF-IDF n-grams, trained with SGD, plus the training
 * vectors themselves for nearest-example similarity. Probability says which label; similarity says
 * whether the message resembles anything the model was taught, which is what out-of-scope needs.
 */
export class LinearModel {
  readonly labels: string[];
  readonly vocabulary: Vocabulary;
  /** Feature-major (feature × class), so scoring one message reads contiguous memory. */
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;
  /** Training vectors grouped by label, for similarity: each label's vectors packed end to end. */
  private readonly examples: Array<{ index: Int32Array; value: Float32Array; ends: Int32Array }>;
  private readonly dense: Float32Array;
  /** The typical winning logit on the training data (see `predict`). */
  private readonly typicalLogit: number;

  /** Learns from texts (already normalised); pass `shared` to reuse another model's vocabulary and vectors. */
  constructor(data: Array<{ text: string; label: string }>, options: TrainOptions = {}, shared?: { vocabulary: Vocabulary; vectors: SparseVector[] }) {
    this.labels = [...new Set(data.map((d) => d.label))].sort();
    const labelIndex = new Map(this.labels.map((l, i) => [l, i]));
    let vectors: SparseVector[];
    if (shared) {
      this.vocabulary = shared.vocabulary;
      vectors = shared.vectors;
    } else {
      const bags = data.map((d) => featurize(d.text));
      this.vocabulary = new Vocabulary(bags);
      vectors = bags.map((b) => this.vocabulary.vector(b));
    }
    const targets = data.map((d) => labelIndex.get(d.label)!);
    this.dense = new Float32Array(this.vocabulary.size);
    this.weights = new Float32Array(this.labels.length * this.vocabulary.size);
    this.bias = new Float64Array(this.labels.length);
    this.examples = this.labels.map((_, c) => {
      const mine = vectors.filter((_, k) => targets[k] === c);
      const ends = new Int32Array(mine.length);
      let n = 0;
      mine.forEach((v, k) => (ends[k] = n += v.index.length));
      const index = new Int32Array(n);
      const value = new Float32Array(n);
      mine.forEach((v, k) => {
        index.set(v.index, ends[k]! - v.index.length);
        value.set(v.value, ends[k]! - v.index.length);
      });
      return { index, value, ends };
    });
    if (this.labels.length > 1) this.train(vectors, targets, options);
    // Raw logits grow with data size and epochs, so scores use them relative to the typical winning logit in
    // training, which keeps one calibration meaningful from a 40-entry FAQ to a 150-intent set.
    const p = new Float64Array(this.labels.length);
    let sum = 0;
    for (const v of vectors) {
      this.scores(v, p);
      sum += Math.max(...p);
    }
    this.typicalLogit = vectors.length && sum > 0 ? sum / vectors.length : 1;
  }

  /** Models for several labellings of the same texts, sharing one vocabulary. */
  static family(texts: string[], labellings: string[][], options: TrainOptions = {}): LinearModel[] {
    const bags = texts.map((t) => featurize(t));
    const vocabulary = new Vocabulary(bags);
    const vectors = bags.map((b) => vocabulary.vector(b));
    return labellings.map((labels) => new LinearModel(texts.map((text, i) => ({ text, label: labels[i]! })), options, { vocabulary, vectors }));
  }

  private scores(v: SparseVector, out: Float64Array): void {
    const classes = this.labels.length;
    out.set(this.bias);
    for (let j = 0; j < v.index.length; j++) {
      const base = v.index[j]! * classes;
      const x = v.value[j]!;
      for (let c = 0; c < classes; c++) out[c]! += this.weights[base + c]! * x;
    }
  }

  private train(vectors: SparseVector[], targets: number[], o: TrainOptions): void {
    const epochs = o.epochs ?? 8;
    const lr0 = o.learningRate ?? 2;
    const classes = this.labels.length;
    const p = new Float64Array(classes);
    const order = vectors.map((_, i) => i);
    let step = 0;
    const total = epochs * vectors.length;
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, (o.seed ?? 7) + epoch);
      for (const k of order) {
        const v = vectors[k]!;
        const lr = lr0 * (1 - step++ / total) + 0.01;
        this.scores(v, p);
        softmax(p);
        p[targets[k]!]! -= 1;
        for (let c = 0; c < classes; c++) {
          const g = lr * p[c]!;
          // Classes the model already rules out get no update: most of them, after the first epoch.
          p[c] = Math.abs(g) < 1e-5 ? 0 : g;
          this.bias[c]! -= p[c]! * 0.1;
        }
        for (let j = 0; j < v.index.length; j++) {
          const base = v.index[j]! * classes;
          const x = v.value[j]!;
          for (let c = 0; c < classes; c++) if (p[c] !== 0) this.weights[base + c]! -= p[c]! * x;
        }
      }
    }
  }

  /** Probability of every label, in `labels` order: the cheap path when nearest examples do not matter. */
  probabilities(norm: string): Float64Array {
    return this.probabilitiesOf(this.vocabulary.query(featurize(norm)));
  }

  probabilitiesOf(v: SparseVector): Float64Array {
    const p = new Float64Array(this.labels.length);
    if (this.labels.length === 1) p[0] = 1;
    else if (v.index.length === 0) p.fill(1 / this.labels.length);
    else {
      this.scores(v, p);
      softmax(p);
    }
    return p;
  }

  predict(norm: string, top = 3): Prediction[] {
    return this.predictFeatures(featurize(norm), top);
  }

  /**
   * Best labels, most likely first. `score` is calibrated: roughly the chance that the label is right and
   * the message is in scope at all. It joins three views: how strongly the model prefers the label (its logit,
   * relative to a typical winning logit in training), how close the nearest taught example is, and how much of
   * the message is made of features the model has ever seen (an out-of-scope message is mostly new words).
   */
  predictFeatures(bag: Features, top = 3): Prediction[] {
    const v = this.vocabulary.query(bag);
    if (v.index.length === 0 || this.labels.length === 0) return [];
    const logits = new Float64Array(this.labels.length);
    this.scores(v, logits);
    const order = topIndices(logits, top);
    const p = logits.slice();
    softmax(p);
    for (let j = 0; j < v.index.length; j++) this.dense[v.index[j]!] = v.value[j]!;
    const out = order.map((c) => {
      let best = 0;
      const { index, value, ends } = this.examples[c]!;
      let j = 0;
      for (let k = 0; k < ends.length; k++) {
        let dot = 0;
        for (const end = ends[k]!; j < end; j++) dot += this.dense[index[j]!]! * value[j]!;
        if (dot > best) best = dot;
      }
      const relative = this.labels.length > 1 ? logits[c]! / this.typicalLogit : best;
      const z = 2 * relative + best + 2 * v.coverage;
      return { label: this.labels[c]!, probability: p[c]!, similarity: best, z, score: 1 / (1 + Math.exp(-CALIBRATION.slope * (z - CALIBRATION.midpoint))) };
    });
    for (let j = 0; j < v.index.length; j++) this.dense[v.index[j]!] = 0;
    return out;
  }
}
