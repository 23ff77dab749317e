import { featurize, type Features } from './features.ts';

/** A message as the model sees it: TF-IDF weights over the model's own feature indices, L2-normalised. */
interface SparseVector {
  index: Int32Array;
  value: Float32Array;
}

export interface Prediction {
  label: string;
  /** Softmax probability of the label. */
  probability: number;
  /** Cosine similarity to the closest training example of that label. */
  similarity: number;
  /** Calibrated 0-1 chance that this label is right and the message in scope. */
  score: number;
  z: number;
}

// Fitted once by logistic regression of "top label right and in scope" on z, over CLINC150 validation
// (in scope and out of scope) and the Banking77 held-out split: see test/eval/calibrate.ts.
const CALIBRATION = { slope: 2.9, midpoint: 3.2 };

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  average?: boolean;
  minDf?: number;
  seed?: number;
  /** Feature extractor; the default suits Chinese and English messages. */
  features?: (norm: string) => Map<number, number>;
}

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
 * Multinomial logistic regression over hashed TF-IDF n-grams, trained with SGD, plus the training
 * vectors themselves for nearest-example similarity. Probability says which label; similarity says
 * whether the message resembles anything the model was taught, which is what out-of-scope needs.
 */
export class LinearModel {
  readonly labels: string[];
  private readonly featureIndex = new Map<number, number>();
  private readonly idf: Float32Array;
  /** Feature-major (feature × class), so scoring one message reads contiguous memory. */
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;
  /** Training vectors grouped by label, for similarity. */
  private readonly examples: SparseVector[][];
  private readonly query: Float32Array;
  private readonly featurize: (norm: string) => Map<number, number>;

  constructor(data: Array<{ text: string; label: string }>, options: TrainOptions = {}) {
    this.featurize = options.features ?? featurize;
    this.labels = [...new Set(data.map((d) => d.label))].sort();
    const labelIndex = new Map(this.labels.map((l, i) => [l, i]));
    const bags = data.map((d) => this.featurize(d.text));
    const df = new Map<number, number>();
    for (const bag of bags) for (const h of bag.keys()) df.set(h, (df.get(h) ?? 0) + 1);
    const minDf = options.minDf ?? 1;
    for (const [h, n] of df) if (n >= minDf) this.featureIndex.set(h, this.featureIndex.size);
    this.idf = new Float32Array(this.featureIndex.size);
    for (const [h, i] of this.featureIndex) this.idf[i] = Math.log((bags.length + 1) / ((df.get(h) ?? 0) + 1)) + 1;
    this.query = new Float32Array(this.featureIndex.size);
    const vectors = bags.map((b) => this.vectorize(b));
    const targets = data.map((d) => labelIndex.get(d.label)!);
    this.weights = new Float32Array(this.labels.length * this.featureIndex.size);
    this.bias = new Float64Array(this.labels.length);
    this.examples = this.labels.map(() => []);
    vectors.forEach((v, k) => this.examples[targets[k]!]!.push(v));
    if (this.labels.length > 1) this.train(vectors, targets, options);
    // The typical winning logit on the training data: raw logits grow with data size and epochs, so scores are
    // reported relative to it, which keeps thresholds meaningful from a 40-entry FAQ to a 150-intent set.
    const p = new Float64Array(this.labels.length);
    let sum = 0;
    for (const v of vectors) {
      this.scores(v, p);
      sum += Math.max(...p);
    }
    this.typicalLogit = vectors.length && sum > 0 ? sum / vectors.length : 1;
    this.unseenIdf = Math.log(vectors.length + 1) + 1;
  }

  private readonly typicalLogit: number;
  /** The idf a feature never seen in training would have: the rarest there is. */
  private readonly unseenIdf: number;

  private vectorize(bag: Map<number, number>): SparseVector {
    const index: number[] = [];
    const value: number[] = [];
    let norm = 0;
    for (const [h, count] of bag) {
      const i = this.featureIndex.get(h);
      if (i === undefined) continue;
      const w = count * this.idf[i]!;
      index.push(i);
      value.push(w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    return { index: Int32Array.from(index), value: Float32Array.from(value.map((w) => w / norm)) };
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
    const average = o.average ?? false;
    const classes = this.labels.length;
    const p = new Float64Array(classes);
    const order = vectors.map((_, i) => i);
    // Averaged SGD: `sum` accumulates step-weighted updates so the mean of all iterates costs nothing extra per step.
    const sum = average ? new Float32Array(this.weights.length) : null;
    let step = 0;
    const total = epochs * vectors.length;
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, (o.seed ?? 7) + epoch);
      for (const k of order) {
        const v = vectors[k]!;
        const lr = lr0 * (1 - step / total) + 0.01;
        step++;
        this.scores(v, p);
        softmax(p);
        p[targets[k]!]! -= 1;
        for (let c = 0; c < classes; c++) {
          const g = lr * p[c]!;
          p[c] = Math.abs(g) < 1e-5 ? 0 : g;
          this.bias[c]! -= p[c]! * 0.1;
        }
        for (let j = 0; j < v.index.length; j++) {
          const base = v.index[j]! * classes;
          const x = v.value[j]!;
          for (let c = 0; c < classes; c++) {
            if (p[c] === 0) continue;
            this.weights[base + c]! -= p[c]! * x;
            if (sum) sum[base + c]! -= step * p[c]! * x;
          }
        }
      }
    }
    if (sum) for (let i = 0; i < sum.length; i++) this.weights[i]! -= sum[i]! / step;
  }

  /** Probability of every label, in `labels` order: the cheap path when nearest examples do not matter. */
  probabilities(norm: string): Float64Array {
    const p = new Float64Array(this.labels.length);
    const v = this.vectorize(this.featurize(norm));
    if (this.labels.length === 1) p[0] = 1;
    else if (v.index.length === 0) p.fill(1 / this.labels.length);
    else {
      this.scores(v, p);
      softmax(p);
    }
    return p;
  }

  /**
   * Best labels, most likely first. `score` is calibrated: roughly the chance that the label is right and
   * the message is in scope at all. It joins three views: how strongly the model prefers the label (its logit,
   * relative to a typical winning logit in training), how close the nearest taught example is, and how much of
   * the message is made of features the model has ever seen (an out-of-scope message is mostly new words).
   */
  predict(norm: string, top = 3): Prediction[] {
    return this.predictFeatures(this.featurize(norm), top);
  }

  /** As `predict`, from features already extracted (several models can share one extraction). */
  predictFeatures(bag: Features, top = 3): Prediction[] {
    const v = this.vectorize(bag);
    if (v.index.length === 0 || this.labels.length === 0) return [];
    let known = 0;
    let all = 0;
    for (const [h, tf] of bag) {
      const i = this.featureIndex.get(h);
      const w = tf * (i === undefined ? this.unseenIdf : this.idf[i]!);
      all += w * w;
      if (i !== undefined) known += w * w;
    }
    const coverage = Math.sqrt(known / all);
    const logits = new Float64Array(this.labels.length);
    this.scores(v, logits);
    const order = topIndices(logits, top);
    const p = logits.slice();
    softmax(p);
    for (let j = 0; j < v.index.length; j++) this.query[v.index[j]!] = v.value[j]!;
    const out = order.map((c) => {
      let best = 0;
      for (const e of this.examples[c]!) {
        let dot = 0;
        for (let j = 0; j < e.index.length; j++) dot += this.query[e.index[j]!]! * e.value[j]!;
        if (dot > best) best = dot;
      }
      const relative = this.labels.length > 1 ? logits[c]! / this.typicalLogit : best;
      const z = 2 * relative + best + 2 * coverage;
      return { label: this.labels[c]!, probability: p[c]!, similarity: best, z, score: 1 / (1 + Math.exp(-CALIBRATION.slope * (z - CALIBRATION.midpoint))) };
    });
    for (let j = 0; j < v.index.length; j++) this.query[v.index[j]!] = 0;
    return out;
  }
}
