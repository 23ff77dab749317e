import { LATIN_TEXT, featurize, featurizeKept } from './features.ts';
import { embeddingProbabilities, trainEmbeddingClassifier, type EmbeddingClassifier } from './embedding-classifier.ts';
import type { SentenceEncoder } from './sentence-encoder.ts';
import { countCjk } from './text.ts';
import { Vocabulary, featureRow, type FeatureRow, type SparseVector } from './vocabulary.ts';

export interface Prediction {
  label: string;
  /** Softmax probability of the label. */
  probability: number;
  /** Cosine similarity to the closest training example of that label. */
  similarity: number;
  /** Calibrated 0-1 chance that this label is right and the message in scope. */
  score: number;
  /** The evidence the score is calibrated from (see `predictRow`). */
  z: number;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  seed?: number;
  /** Hidden units of the second, nonlinear scorer (0: none); by default only for large FAQ lists (see HIDDEN_FROM). */
  hidden?: number;
  /** A sentence encoder for large English lists (see `usesEncoder`); without one the model learns the same, less its member. */
  encoder?: SentenceEncoder;
}

// Fitted by logistic regression of "top label right and message in scope" on z, over CLINC150 validation
// (in scope and out of scope) and the Banking77 held-out split: `npm run eval:calibrate`.
const CALIBRATION = { slope: 2.9, midpoint: 3.2 };
/** Weights smaller than this are dropped after training (see `LinearModel`). */
const PRUNE_BELOW = 0.03;
const DENSE_UP_TO = 8;
/** Share of weights kept from which scoring reads them dense (see `keptDense`). */
const KEPT_DENSE_FROM = 0.5;
/**
 * From this many examples (and more labels than DENSE_UP_TO) small one-hidden-layer networks are trained
 * beside the linear model and their probabilities mixed (see SHARES): hidden units combine n-grams, which tells
 * near-synonymous labels apart better (Banking77 +0.7 to +1 points over three splits). Small lists, such as
 * a pack's own FAQ, keep the linear model alone: they gain little and it keeps understand() fast.
 */
const HIDDEN_FROM = 2000;
const HIDDEN_UNITS = 64;
/**
 * Share of a training example's features each network ignores at each step (input dropout), so no unit
 * leans on one n-gram: with it, 64 units beat 32 (Banking77, five folds: 91.1 → 91.3 %); without, they overfit.
 */
const HIDDEN_DROPOUT = 0.3;
/** Networks trained from different random starts, averaged: one alone varies by ±0.3 points with its seed. */
const HIDDEN_NETS = 2;
/**
 * Beside them, networks that see only the word 1-2 grams (and Han grams), not the character grams inside
 * words, and a multinomial naive Bayes over the same vectors: weaker alone (Banking77 89 and 88 %), but they
 * err differently from the models that see every feature, so the joint answer gains (Banking77, five folds,
 * three seeds: 91.4 → 91.8 %; 14 of 15 folds better). Neither alone gains half as much.
 */
const WORD_NETS = 2;
/** Naive Bayes count smoothing, on TF-IDF weights (which are well below 1). */
const BAYES_SMOOTHING = 0.01;
/** Shares of the joint probability (with networks): the linear model, the networks, the word networks, naive Bayes. */
const SHARES = { linear: 0.3, nets: 0.25, words: 0.25, bayes: 0.2 };
/**
 * With a sentence encoder (large English lists only), the joint probability is reweighed by the encoder
 * member's, geometrically with this weight: Banking77, five folds, 91.7 → 92.5 % (every fold better, +0.2
 * to +1.6); 0.2 and 0.3 do the same. CLINC150 in scope 93.0 → 94.9 %, out-of-scope AUROC unchanged.
 */
const ENCODER_WEIGHT = 0.25;
/**
 * Only messages the n-gram models are unsure of are embedded (their best label's joint probability under
 * this): a fifth of Banking77's, with the same accuracy as embedding all. Embedding costs milliseconds.
 */
const ENCODER_BELOW = 0.8;
/** Share of examples without Han characters from which a list counts as English, for the (English) encoder. */
const ENGLISH_SHARE = 0.9;

/** Whether a list of examples this size and script is learned with a sentence encoder when one is at hand. */
export function usesEncoder(texts: readonly string[], labels: number): boolean {
  if (texts.length < HIDDEN_FROM || labels <= DENSE_UP_TO) return false;
  let english = 0;
  for (const t of texts) if (countCjk(t) === 0) english++;
  return english >= ENGLISH_SHARE * texts.length;
}

/** The arrays a saved model is made of, in the order `snapshot` lists them. */
export type ModelArray = Int32Array | Float32Array | Float64Array | Uint16Array | Uint8Array;

/** A learned model as plain data: scalars and labels in `meta`, weights in `arrays` (see model-cache.ts). */
export interface ModelSnapshot {
  meta: {
    labels: string[]; unseenIdf: number; typicalLogit: number; dense: boolean; hiddenUnits: number[]; wordUnits: number[]; bayes: boolean;
    /** The encoder the encoder member learned from (its `name`), if any. */
    encoder?: string | undefined;
  };
  arrays: ModelArray[];
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

/** A one-hidden-layer network: input weights by feature (`units` each), then output weights; `h`, `out` are scratch. */
type Net = { units: number; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float64Array; h: Float32Array; out: Float64Array };

/**
 * Multinomial logistic regression over hashed TF-IDF n-grams, trained with SGD, plus the training
 * vectors themselves for nearest-example similarity. Probability says which label; similarity says
 * whether the message resembles anything the model was taught, which is what out-of-scope needs.
 */
export class LinearModel {
  readonly labels: string[];
  readonly vocabulary: Vocabulary;
  /**
   * Weights by feature, sparse: after training, weights too small to change an answer are dropped (most of
   * them: on Banking77 a sixth is kept, with the same accuracy), so scoring a message costs a fraction.
   */
  private rowStart: Int32Array = new Int32Array(0);
  private rowClass: Uint16Array = new Uint16Array(0);
  private rowWeight: Float32Array = new Float32Array(0);
  private dense: Float32Array | null = null;
  /**
   * The kept weights laid out dense again, when most of them were kept (a pack's FAQ, its categories): reading
   * every class in order is then faster than following the sparse rows. Pruned weights are zeros, so scores
   * are the same either way. Derived, never saved.
   */
  private keptDense: Float32Array | null = null;
  private readonly bias: Float64Array;
  /** Training vectors grouped by label, for similarity: each label's vectors packed end to end. */
  private readonly examples: Array<{ index: Int32Array; value: Float32Array; ends: Int32Array; scripts: Uint8Array }>;
  private readonly lookup: Float32Array;
  private readonly scratchLogits: Float64Array;
  private readonly scratchProbabilities: Float64Array;
  private readonly scratchLinear: Float64Array;
  /** The typical winning logit on the training data (see `predict`). */
  private readonly typicalLogit: number;
  /** The hidden-layer scorer, if any: input weights by feature (HIDDEN_UNITS each), then output weights. */
  private hidden: Net[] = [];
  /** The networks over word features only, and those features' numbers in them by vocabulary index (-1: a character gram). */
  private wordNets: Net[] = [];
  private wordIndex: Int32Array = new Int32Array(0);
  private readonly scratchWords = { index: new Int32Array(4096), value: new Float32Array(4096) };
  /**
   * Multinomial naive Bayes, sparse: per feature, log((count + s) / s) for the labels whose examples have it
   * (`start` as `rowStart`); a label's score also adds its `unseen` log-probability per unit of the message's weight.
   */
  private bayes: { start: Int32Array; label: Uint16Array; weight: Float32Array; prior: Float64Array; unseen: Float64Array } | null = null;
  private readonly scratchBayes: Float64Array;
  /** The encoder member and its encoder (null when the list does not use one or the encoder is not loaded). */
  private encoded: { encoder: SentenceEncoder; classifier: EmbeddingClassifier; name: string } | null = null;
  /** understand() asks for the top label, then for candidates, of the same message: it is embedded once. */
  private lastEmbedded: { text: string; vector: Float32Array } | null = null;

  /** Learns from texts (already normalised); pass `shared` to reuse another model's vocabulary and vectors. */
  constructor(data: Array<{ text: string; label: string }>, options: TrainOptions = {}, shared?: { vocabulary: Vocabulary; vectors: SparseVector[] }) {
    this.labels = [...new Set(data.map((d) => d.label))].sort();
    const labelIndex = new Map(this.labels.map((l, i) => [l, i]));
    const encoder = options.encoder && usesEncoder(data.map((d) => d.text), this.labels.length) ? options.encoder : undefined;
    // Other threads start embedding the questions while the n-gram members learn (see encoder-helpers.ts).
    void encoder?.prepare?.(data.map((d) => d.text));
    let vectors: SparseVector[];
    if (shared) {
      this.vocabulary = shared.vocabulary;
      vectors = shared.vectors;
    } else {
      const bags = data.map((d) => featurizeKept(d.text));
      this.vocabulary = Vocabulary.learn(bags);
      vectors = bags.map((b) => this.vocabulary.vector(b));
    }
    const targets = data.map((d) => labelIndex.get(d.label)!);
    this.lookup = new Float32Array(this.vocabulary.size);
    this.scratchLogits = new Float64Array(this.labels.length);
    this.scratchProbabilities = new Float64Array(this.labels.length);
    this.scratchLinear = new Float64Array(this.labels.length);
    this.scratchBayes = new Float64Array(this.labels.length);
    this.bias = new Float64Array(this.labels.length);
    const dense = new Float32Array(this.labels.length * this.vocabulary.size);
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
      return { index, value, ends, scripts: Uint8Array.from(mine, (v) => v.scripts) };
    });
    if (this.labels.length > 1) this.train(dense, vectors, targets, options);
    const units = options.hidden ?? (data.length >= HIDDEN_FROM && this.labels.length > DENSE_UP_TO ? HIDDEN_UNITS : 0);
    if (units > 0 && this.labels.length > 1) {
      for (let n = 0; n < HIDDEN_NETS; n++) this.hidden.push(LinearModel.trainHidden(vectors, targets, this.labels.length, this.vocabulary.size, units, (options.seed ?? 7) + 1000 * n));
      const [wordIndex, wordCount] = LinearModel.wordFeatures(data, this.vocabulary);
      this.wordIndex = wordIndex;
      const words = vectors.map((v) => this.wordsOf(v, true));
      const kept = words.flatMap((v, k) => (v.index.length ? [k] : []));
      if (kept.length) {
        const wordVectors = kept.map((k) => words[k]!);
        const wordTargets = kept.map((k) => targets[k]!);
        for (let n = 0; n < WORD_NETS; n++) this.wordNets.push(LinearModel.trainHidden(wordVectors, wordTargets, this.labels.length, wordCount, units, (options.seed ?? 7) + 1000 * n));
      }
      this.bayes = LinearModel.trainBayes(vectors, targets, this.labels.length, this.vocabulary.size);
      if (encoder) {
        const classifier = trainEmbeddingClassifier(encoder.embed(data.map((d) => d.text)), targets, this.labels.length, options.seed ?? 7);
        this.encoded = { encoder, classifier, name: encoder.name };
      }
    }
    // A handful of classes scores fastest dense; many classes are mostly zeros, so they go sparse.
    if (this.labels.length <= DENSE_UP_TO) this.dense = dense;
    else {
      [this.rowStart, this.rowClass, this.rowWeight] = LinearModel.sparsify(dense, this.labels.length);
      this.keptDense = LinearModel.keptDenseOf(this.rowStart, this.rowClass, this.rowWeight, this.labels.length);
    }
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

  /** The learned model as plain data, to save; `restore` makes the same model from it without training. */
  snapshot(): ModelSnapshot {
    const meta = {
      labels: this.labels,
      unseenIdf: this.vocabulary.unseenIdf,
      typicalLogit: this.typicalLogit,
      dense: this.dense !== null,
      hiddenUnits: this.hidden.map((n) => n.units),
      wordUnits: this.wordNets.map((n) => n.units),
      bayes: this.bayes !== null,
      encoder: this.encoded?.name,
    };
    const arrays: ModelArray[] = [this.vocabulary.hashes, this.vocabulary.idf, this.bias];
    arrays.push(...(this.dense ? [this.dense] : [this.rowStart, this.rowClass, this.rowWeight]));
    for (const e of this.examples) arrays.push(e.index, e.value, e.ends, e.scripts);
    for (const n of this.hidden) arrays.push(n.w1, n.b1, n.w2, n.b2);
    if (this.wordNets.length) arrays.push(this.wordIndex);
    for (const n of this.wordNets) arrays.push(n.w1, n.b1, n.w2, n.b2);
    if (this.bayes) arrays.push(this.bayes.start, this.bayes.label, this.bayes.weight, this.bayes.prior, this.bayes.unseen);
    if (this.encoded) arrays.push(this.encoded.classifier.weights, this.encoded.classifier.bias);
    return { meta, arrays };
  }

  /**
   * The model a `snapshot` was taken of. Throws when the snapshot does not fit together (a damaged file).
   * A model saved with an encoder member uses it only when given that same encoder.
   */
  static restore({ meta, arrays }: ModelSnapshot, encoder?: SentenceEncoder): LinearModel {
    let at = 0;
    const next = <T extends ModelArray>(type: new (n: number) => T): T => {
      const a = arrays[at++];
      if (!(a instanceof type)) throw new Error(`saved model: array ${at - 1} is not a ${type.name}`);
      return a;
    };
    const classes = meta.labels.length;
    const vocabulary = new Vocabulary(next(Int32Array), next(Float32Array), meta.unseenIdf);
    if (vocabulary.idf.length !== vocabulary.size) throw new Error('saved model: idf does not match the vocabulary');
    // Training is what the constructor does; a restored model skips it, so it is assembled field by field.
    const m = Object.create(LinearModel.prototype) as LinearModel;
    const fields: Record<string, unknown> = {
      labels: meta.labels,
      vocabulary,
      bias: next(Float64Array),
      dense: null,
      rowStart: new Int32Array(0),
      rowClass: new Uint16Array(0),
      rowWeight: new Float32Array(0),
      lookup: new Float32Array(vocabulary.size),
      scratchLogits: new Float64Array(classes),
      scratchProbabilities: new Float64Array(classes),
      scratchLinear: new Float64Array(classes),
      scratchBayes: new Float64Array(classes),
      scratchWords: { index: new Int32Array(4096), value: new Float32Array(4096) },
      typicalLogit: meta.typicalLogit,
    };
    if (meta.dense) fields.dense = next(Float32Array);
    else [fields.rowStart, fields.rowClass, fields.rowWeight] = [next(Int32Array), next(Uint16Array), next(Float32Array)];
    fields.examples = meta.labels.map(() => ({ index: next(Int32Array), value: next(Float32Array), ends: next(Int32Array), scripts: next(Uint8Array) }));
    const net = (units: number): Net => ({
      units, w1: next(Float32Array), b1: next(Float32Array), w2: next(Float32Array), b2: next(Float64Array),
      h: new Float32Array(units), out: new Float64Array(classes),
    });
    fields.hidden = meta.hiddenUnits.map(net);
    fields.wordIndex = meta.wordUnits.length ? next(Int32Array) : new Int32Array(0);
    fields.wordNets = meta.wordUnits.map(net);
    fields.bayes = meta.bayes
      ? { start: next(Int32Array), label: next(Uint16Array), weight: next(Float32Array), prior: next(Float64Array), unseen: next(Float64Array) }
      : null;
    fields.lastEmbedded = null;
    fields.encoded = null;
    if (meta.encoder) {
      const classifier = { weights: next(Float32Array), bias: next(Float64Array) };
      if (classifier.bias.length !== classes || classifier.weights.length % classes !== 0) throw new Error('saved model: encoder member does not fit its labels');
      if (encoder?.name === meta.encoder && classifier.weights.length === classes * encoder.dimension) fields.encoded = { encoder, classifier, name: meta.encoder };
    }
    if (at !== arrays.length || (fields.bias as Float64Array).length !== classes) throw new Error('saved model: arrays do not fit its labels');
    // Sparse rows index arrays by what they hold: rows that do not fit would read or write past their ends.
    const fits = (start: Int32Array, cls: Uint16Array, weight: Float32Array) =>
      start.length === vocabulary.size + 1 && start[0] === 0 && start[vocabulary.size] === cls.length && weight.length === cls.length &&
      start.every((k, f) => f === 0 || k >= start[f - 1]!) && cls.every((c) => c < classes);
    const rowStart = fields.rowStart as Int32Array;
    const rowClass = fields.rowClass as Uint16Array;
    const rowWeight = fields.rowWeight as Float32Array;
    const bayes = fields.bayes as LinearModel['bayes'];
    if ((!meta.dense && !fits(rowStart, rowClass, rowWeight)) || (bayes && !fits(bayes.start, bayes.label, bayes.weight))) {
      throw new Error('saved model: weight rows do not fit its vocabulary');
    }
    const wordIndex = fields.wordIndex as Int32Array;
    const wordInputs = wordIndex.reduce((n, w) => Math.max(n, w + 1), 0);
    const netFits = (n: Net, inputs: number) => n.w1.length === inputs * n.units && n.b1.length === n.units && n.w2.length === n.units * classes && n.b2.length === classes;
    if (!(fields.hidden as Net[]).every((n) => netFits(n, vocabulary.size)) || !(fields.wordNets as Net[]).every((n) => netFits(n, wordInputs)) ||
      (meta.wordUnits.length > 0 && wordIndex.length !== vocabulary.size)) {
      throw new Error('saved model: networks do not fit its vocabulary');
    }
    fields.keptDense = meta.dense ? null : LinearModel.keptDenseOf(rowStart, rowClass, rowWeight, classes);
    return Object.assign(m, fields);
  }

  /**
   * Probabilities of several small dense models that share a vocabulary, in one pass over the message:
   * their weights are interleaved per feature, so each feature is read once for all of them.
   */
  static joint(models: LinearModel[]): (v: SparseVector) => Float64Array[] {
    const widths = models.map((m) => m.labels.length);
    const total = widths.reduce((a, b) => a + b, 0);
    const size = models[0]!.vocabulary.size;
    const weights = new Float32Array(size * total);
    const bias = new Float64Array(total);
    let at = 0;
    for (const m of models) {
      if (!m.dense || m.vocabulary !== models[0]!.vocabulary) throw new Error('joint scoring needs dense models on one vocabulary');
      const c = m.labels.length;
      for (let f = 0; f < size; f++) for (let k = 0; k < c; k++) weights[f * total + at + k] = m.dense[f * c + k]!;
      bias.set(m.bias, at);
      at += c;
    }
    const logits = new Float64Array(total);
    const outs = widths.map((w) => new Float64Array(w));
    return (v) => {
      LinearModel.denseScores(weights, bias, v, logits);
      let from = 0;
      outs.forEach((out, i) => {
        out.set(logits.subarray(from, from + widths[i]!));
        softmax(out);
        from += widths[i]!;
      });
      return outs;
    };
  }

  /** Models for several labellings of the same texts, sharing one vocabulary. */
  static family(texts: string[], labellings: string[][], options: TrainOptions = {}): LinearModel[] {
    const bags = texts.map((t) => featurizeKept(t));
    const vocabulary = Vocabulary.learn(bags);
    const vectors = bags.map((b) => vocabulary.vector(b));
    return labellings.map((labels) => new LinearModel(texts.map((text, i) => ({ text, label: labels[i]! })), options, { vocabulary, vectors }));
  }

  private static sparsify(dense: Float32Array, classes: number): [Int32Array, Uint16Array, Float32Array] {
    return LinearModel.rowsOf(dense, classes, (w) => Math.abs(w) >= PRUNE_BELOW, (w) => w);
  }

  /**
   * A features × classes matrix as sparse rows (start per feature, then class and value per entry), keeping the
   * entries `keep` accepts, stored as `value` gives them. The linear model's pruned weights and naive Bayes use it.
   */
  private static rowsOf(dense: Float32Array, classes: number, keep: (x: number) => boolean, value: (x: number) => number): [Int32Array, Uint16Array, Float32Array] {
    let kept = 0;
    for (const x of dense) if (keep(x)) kept++;
    const features = dense.length / classes;
    const start = new Int32Array(features + 1);
    const cls = new Uint16Array(kept);
    const val = new Float32Array(kept);
    let k = 0;
    for (let f = 0; f < features; f++) {
      start[f] = k;
      for (let c = 0; c < classes; c++) {
        const x = dense[f * classes + c]!;
        if (!keep(x)) continue;
        cls[k] = c;
        val[k++] = value(x);
      }
    }
    start[features] = k;
    return [start, cls, val];
  }

  /** Adds `v` times sparse rows to `out`, class by class. */
  private static addRows(start: Int32Array, cls: Uint16Array, weight: Float32Array, v: SparseVector, out: Float64Array): void {
    for (let j = 0; j < v.index.length; j++) {
      const f = v.index[j]!;
      const x = v.value[j]!;
      for (let k = start[f]!, end = start[f + 1]!; k < end; k++) out[cls[k]!]! += weight[k]! * x;
    }
  }

  /** Sparse rows as a dense matrix, or null when too few weights were kept for that to pay. */
  private static keptDenseOf(start: Int32Array, cls: Uint16Array, val: Float32Array, classes: number): Float32Array | null {
    const features = start.length - 1;
    if (cls.length < KEPT_DENSE_FROM * features * classes) return null;
    const out = new Float32Array(features * classes);
    for (let f = 0; f < features; f++) for (let k = start[f]!; k < start[f + 1]!; k++) out[f * classes + cls[k]!] = val[k]!;
    return out;
  }

  private scores(v: SparseVector, out: Float64Array): void {
    if (this.dense) return LinearModel.denseScores(this.dense, this.bias, v, out);
    if (this.keptDense) return LinearModel.denseScores(this.keptDense, this.bias, v, out);
    out.set(this.bias);
    LinearModel.addRows(this.rowStart, this.rowClass, this.rowWeight, v, out);
  }

  /** Dense scoring: in training, and for small or dense models. */
  private static denseScores(weights: Float32Array, bias: Float64Array, v: SparseVector, out: Float64Array): void {
    const classes = bias.length;
    out.set(bias);
    for (let j = 0; j < v.index.length; j++) {
      const base = v.index[j]! * classes;
      const x = v.value[j]!;
      for (let c = 0; c < classes; c++) out[c]! += weights[base + c]! * x;
    }
  }

  private train(weights: Float32Array, vectors: SparseVector[], targets: number[], o: TrainOptions): void {
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
        LinearModel.denseScores(weights, this.bias, v, p);
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
          for (let c = 0; c < classes; c++) if (p[c] !== 0) weights[base + c]! -= p[c]! * x;
        }
      }
    }
  }

  /** The vocabulary's word (and Han) grams, numbered from 0 in vocabulary order (others -1), and how many there are. */
  private static wordFeatures(data: Array<{ text: string }>, vocabulary: Vocabulary): [Int32Array, number] {
    const at = new Map<number, number>();
    vocabulary.hashes.forEach((h, i) => at.set(h, i));
    const index = new Int32Array(vocabulary.size).fill(-1);
    for (const d of data) {
      const f = featurize(d.text);
      for (let k = 0; k < f.ids.length; k++) {
        const i = f.words?.[k] ? at.get(f.ids[k]!) : undefined;
        if (i !== undefined) index[i] = 0;
      }
    }
    let n = 0;
    for (let i = 0; i < index.length; i++) if (index[i] === 0) index[i] = n++;
    return [index, n];
  }

  /** `v` restricted to word features (numbered as the word networks number them), L2-normalised again: in scratch arrays, or new ones to `keep`. */
  private wordsOf(v: SparseVector, keep = false): SparseVector {
    let { index, value } = this.scratchWords;
    if (keep) [index, value] = [new Int32Array(v.index.length), new Float32Array(v.index.length)];
    let n = 0;
    let norm = 0;
    for (let j = 0; j < v.index.length; j++) {
      const w = this.wordIndex[v.index[j]!]!;
      if (w < 0) continue;
      index[n] = w;
      norm += (value[n++] = v.value[j]!) ** 2;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
    for (let j = 0; j < n; j++) value[j]! *= scale;
    return { index: index.subarray(0, n), value: value.subarray(0, n), coverage: v.coverage, scripts: v.scripts };
  }

  /** Reweighs the joint probabilities `p` by the encoder member's, geometrically (see ENCODER_WEIGHT). */
  private addEncoder(text: string, p: Float64Array): void {
    const { encoder, classifier } = this.encoded!;
    if (this.lastEmbedded?.text !== text) this.lastEmbedded = { text, vector: encoder.embed([text])[0]! };
    // Naive Bayes has been added by now: its scratch array is free.
    const q = this.scratchBayes;
    embeddingProbabilities(classifier, this.lastEmbedded.vector, q);
    let total = 0;
    for (let c = 0; c < p.length; c++) total += p[c] = Math.exp((1 - ENCODER_WEIGHT) * Math.log(p[c]! + 1e-12) + ENCODER_WEIGHT * Math.log(q[c]! + 1e-12));
    for (let c = 0; c < p.length; c++) p[c]! /= total;
  }

  /** Multinomial naive Bayes over the TF-IDF vectors, stored sparse (see `bayes`). */
  private static trainBayes(vectors: SparseVector[], targets: number[], classes: number, size: number) {
    const counts = new Float32Array(size * classes);
    const totals = new Float64Array(classes);
    const prior = new Float64Array(classes);
    vectors.forEach((v, k) => {
      const c = targets[k]!;
      prior[c]!++;
      for (let j = 0; j < v.index.length; j++) {
        counts[v.index[j]! * classes + c]! += v.value[j]!;
        totals[c]! += v.value[j]!;
      }
    });
    const [start, label, weight] = LinearModel.rowsOf(counts, classes, (n) => n > 0, (n) => Math.log1p(n / BAYES_SMOOTHING));
    const unseen = Float64Array.from(totals, (t) => Math.log(BAYES_SMOOTHING / (t + BAYES_SMOOTHING * size)));
    for (let c = 0; c < classes; c++) prior[c] = Math.log(prior[c]! / vectors.length);
    return { start, label, weight, prior, unseen };
  }

  /** Naive Bayes probabilities of `v`, left in `out`. */
  private bayesProbabilities(v: SparseVector, out: Float64Array): void {
    const { start, label, weight, prior, unseen } = this.bayes!;
    let mass = 0;
    for (let j = 0; j < v.value.length; j++) mass += v.value[j]!;
    for (let c = 0; c < out.length; c++) out[c] = prior[c]! + unseen[c]! * mass;
    LinearModel.addRows(start, label, weight, v, out);
    softmax(out);
  }

  /** One hidden layer (ReLU) over the same TF-IDF vectors, trained by SGD from a seeded random start. */
  private static trainHidden(vectors: SparseVector[], targets: number[], classes: number, size: number, units: number, seed: number) {
    let s = seed >>> 0 || 1;
    const random = () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32 - 0.5;
    const w1 = new Float32Array(size * units);
    for (let i = 0; i < w1.length; i++) w1[i] = random() * 0.245;
    const w2 = new Float32Array(units * classes);
    const scale2 = Math.sqrt(3 / units);
    for (let i = 0; i < w2.length; i++) w2[i] = random() * scale2;
    const b1 = new Float32Array(units);
    const b2 = new Float64Array(classes);
    const h = new Float32Array(units);
    const dh = new Float32Array(units);
    const p = new Float64Array(classes);
    const model = { units, w1, b1, w2, b2, h, out: p };
    const epochs = 5;
    const lr0 = 0.3;
    const keepScale = 1 / (1 - HIDDEN_DROPOUT);
    let dropped = new Uint8Array(64);
    const order = vectors.map((_, i) => i);
    let step = 0;
    const total = epochs * vectors.length;
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, seed + 101 + epoch);
      for (const k of order) {
        const v = vectors[k]!;
        const lr = lr0 * (1 - step++ / total) + 0.005;
        if (dropped.length < v.index.length) dropped = new Uint8Array(v.index.length);
        for (let j = 0; j < v.index.length; j++) dropped[j] = random() + 0.5 < HIDDEN_DROPOUT ? 1 : 0;
        LinearModel.hiddenLogits(model, v, dropped, keepScale);
        softmax(p);
        p[targets[k]!]! -= 1;
        for (let c = 0; c < classes; c++) {
          p[c]! *= lr;
          b2[c]! -= p[c]! * 0.1;
        }
        for (let u = 0; u < units; u++) {
          const hu = h[u]!;
          if (hu === 0) {
            dh[u] = 0;
            continue;
          }
          const base = u * classes;
          let d = 0;
          for (let c = 0; c < classes; c++) {
            d += w2[base + c]! * p[c]!;
            w2[base + c]! -= p[c]! * hu;
          }
          dh[u] = d;
          b1[u]! -= d * 0.1;
        }
        for (let j = 0; j < v.index.length; j++) {
          if (dropped[j]) continue;
          const base = v.index[j]! * units;
          const x = v.value[j]! * keepScale;
          for (let u = 0; u < units; u++) w1[base + u]! -= dh[u]! * x;
        }
      }
    }
    return model;
  }

  /** Adds `share` of the networks' averaged probabilities of `v` to `p`. */
  private static addNets(nets: Net[], v: SparseVector, share: number, p: Float64Array): void {
    for (const net of nets) {
      LinearModel.hiddenLogits(net, v);
      softmax(net.out);
      for (let c = 0; c < p.length; c++) p[c]! += (share / nets.length) * net.out[c]!;
    }
  }

  /** The hidden-layer scorer's logits for `v`, left in `model.out`; in training, without the `dropped` features. */
  private static hiddenLogits(model: Net, v: SparseVector, dropped?: Uint8Array, scale = 1): void {
    const { units, w1, b1, w2, b2, h, out } = model;
    h.set(b1);
    for (let j = 0; j < v.index.length; j++) {
      if (dropped?.[j]) continue;
      const base = v.index[j]! * units;
      const x = v.value[j]! * scale;
      for (let u = 0; u < units; u++) h[u]! += w1[base + u]! * x;
    }
    out.set(b2);
    const classes = out.length;
    for (let u = 0; u < units; u++) {
      const hu = h[u]!;
      if (hu <= 0) {
        h[u] = 0;
        continue;
      }
      const base = u * classes;
      for (let c = 0; c < classes; c++) out[c]! += w2[base + c]! * hu;
    }
  }

  predict(norm: string, top = 3): Prediction[] {
    return this.predictRow(featureRow(featurize(norm)), top, norm);
  }

  /**
   * Best labels, most likely first. `score` is calibrated: roughly the chance that the label is right and
   * the message is in scope at all. It joins three views: how strongly the model prefers the label (its logit,
   * relative to a typical winning logit in training), how close the nearest taught example is, and how much of
   * the message is made of features the model has ever seen (an out-of-scope message is mostly new words).
   */
  predictRow(row: FeatureRow, top = 3, text?: string): Prediction[] {
    const v = this.vocabulary.query(row);
    // Digits alone ("13912345678") are an answer to some question, never a question of their own.
    if (v.index.length === 0 || this.labels.length === 0 || row.scripts === 0) return [];
    const logits = this.scratchLogits;
    this.scores(v, logits);
    const p = this.scratchProbabilities;
    p.set(logits);
    softmax(p);
    if (this.hidden.length) {
      this.scratchLinear.set(p);
      // A message with no word the word networks know leaves them out; the other shares grow to fill theirs.
      const words = this.wordNets.length ? this.wordsOf(v) : null;
      const useWords = words !== null && words.index.length > 0;
      const total = SHARES.linear + SHARES.nets + (useWords ? SHARES.words : 0) + (this.bayes ? SHARES.bayes : 0);
      for (let c = 0; c < p.length; c++) p[c]! *= SHARES.linear / total;
      LinearModel.addNets(this.hidden, v, SHARES.nets / total, p);
      if (useWords) LinearModel.addNets(this.wordNets, words, SHARES.words / total, p);
      if (this.bayes) {
        this.bayesProbabilities(v, this.scratchBayes);
        for (let c = 0; c < p.length; c++) p[c]! += (SHARES.bayes / total) * this.scratchBayes[c]!;
      }
      if (this.encoded && text !== undefined && row.scripts === LATIN_TEXT && Math.max(...p) < ENCODER_BELOW) this.addEncoder(text, p);
    }
    const order = topIndices(this.hidden.length ? p : logits, top);
    const lookup = this.lookup;
    for (let j = 0; j < v.index.length; j++) lookup[v.index[j]!] = v.value[j]!;
    const out = order.map((c) => {
      let best = 0;
      const { index, value, ends, scripts } = this.examples[c]!;
      let j = 0;
      for (let k = 0; k < ends.length; k++) {
        const end = ends[k]!;
        // An example in another script shares no feature with the message (Chinese vs English examples).
        if (v.scripts !== 0 && (scripts[k]! & v.scripts) === 0) {
          j = end;
          continue;
        }
        let dot = 0;
        for (; j < end; j++) dot += lookup[index[j]!]! * value[j]!;
        if (dot > best) best = dot;
      }
      // With networks beside it, the logit the linear model would need to give the label its joint probability.
      const logit = this.hidden.length ? logits[c]! + Math.log(p[c]! / this.scratchLinear[c]!) : logits[c]!;
      const relative = this.labels.length > 1 ? logit / this.typicalLogit : best;
      const z = 2 * relative + best + 2 * v.coverage;
      return { label: this.labels[c]!, probability: p[c]!, similarity: best, z, score: 1 / (1 + Math.exp(-CALIBRATION.slope * (z - CALIBRATION.midpoint))) };
    });
    for (let j = 0; j < v.index.length; j++) lookup[v.index[j]!] = 0;
    return out;
  }
}
