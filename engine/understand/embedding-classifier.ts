/**
 * Softmax regression over sentence-encoder vectors (see sentence-encoder.ts): the FAQ ensemble's member that
 * knows paraphrases. Alone it is weaker than the n-gram models (Banking77 87 %), but it errs on other messages.
 */
export interface EmbeddingClassifier {
  /** Classes × dimension weights, then one bias per class. */
  weights: Float32Array;
  bias: Float64Array;
}

const EPOCHS = 10;
const LEARNING_RATE = 0.15;
const L2 = 1e-5;
/** Encoder vectors have unit length, so their dot products are small; scaled, the softmax can grow sharp. */
const SCALE = 4;

export function trainEmbeddingClassifier(vectors: readonly Float32Array[], targets: readonly number[], classes: number, seed: number): EmbeddingClassifier {
  const dim = vectors[0]?.length ?? 0;
  const weights = new Float32Array(classes * dim);
  const bias = new Float64Array(classes);
  const p = new Float64Array(classes);
  const order = vectors.map((_, k) => k);
  let state = seed >>> 0 || 1;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const rate = LEARNING_RATE * (1 - epoch / EPOCHS);
    for (const k of order) {
      const x = vectors[k]!;
      embeddingProbabilities({ weights, bias }, x, p);
      for (let c = 0; c < classes; c++) {
        const g = p[c]! - (c === targets[k] ? 1 : 0);
        // Most classes get a vanishing share once learned: skipping them makes an epoch several times faster.
        if (Math.abs(g) < 1e-4) continue;
        bias[c]! -= rate * g;
        const row = c * dim;
        for (let d = 0; d < dim; d++) weights[row + d]! -= rate * (g * SCALE * x[d]! + L2 * weights[row + d]!);
      }
    }
  }
  return { weights, bias };
}

/** Class probabilities of one vector, into `out`. */
export function embeddingProbabilities(m: EmbeddingClassifier, x: Float32Array, out: Float64Array): void {
  const dim = x.length;
  let max = -Infinity;
  for (let c = 0; c < out.length; c++) {
    let s = 0;
    const row = c * dim;
    for (let d = 0; d < dim; d++) s += m.weights[row + d]! * x[d]!;
    out[c] = m.bias[c]! + SCALE * s;
    if (out[c]! > max) max = out[c]!;
  }
  let total = 0;
  for (let c = 0; c < out.length; c++) total += out[c] = Math.exp(out[c]! - max);
  for (let c = 0; c < out.length; c++) out[c]! /= total;
}
