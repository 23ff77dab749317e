import { normalize } from './text.ts';

export type Vector = Map<string, number>;

const STOP_EN = new Set(['the', 'a', 'an', 'is', 'are', 'to', 'of', 'and', 'or', 'my', 'i', 'me', 'it', 'in', 'on', 'for', 'do', 'does', 'can', 'you', 'your', 'be', 'this', 'that', 'with', 'at', 'was', 'have', 'has']);
const STOP_ZH = new Set(['的', '了', '吗', '呢', '吧', '啊', '我', '你', '是', '在', '有', '么', '请', '问', '一', '下', '个']);

function stem(word: string): string {
  return word.replace(/(?:ing|ed|es|s)$/, '') || word;
}

/** Terms of a text: Han unigrams and bigrams, English word stems and bigrams, digits as one class. */
export function terms(text: string, normalized = false): string[] {
  const norm = normalized ? text : normalize(text);
  const out: string[] = [];
  const han = norm.replace(/[^\p{Script=Han}]+/gu, ' ').split(' ').filter(Boolean);
  for (const run of han) {
    const chars = [...run];
    chars.forEach((c, i) => {
      if (!STOP_ZH.has(c)) out.push(c);
      if (i + 1 < chars.length) out.push(c + chars[i + 1]);
    });
  }
  const words = (norm.match(/[a-z]+|\d+/g) ?? []).map((w) => (/^\d+$/.test(w) ? '#num' : stem(w)));
  words.forEach((w, i) => {
    if (!STOP_EN.has(w)) out.push(`w:${w}`);
    if (i + 1 < words.length) out.push(`w:${w}_${words[i + 1]}`);
  });
  return out;
}

/** TF-IDF over a fixed set of documents, each belonging to a label; scores a query by its best document. */
export class TfIdfIndex {
  private readonly idf = new Map<string, number>();
  private readonly labels: string[] = [];
  /** Inverted index: term → documents that hold it, with the term's weight there. */
  private readonly postings = new Map<string, Array<[doc: number, weight: number]>>();
  private scratch: Float64Array | undefined;

  constructor(docs: Array<{ label: string; text: string }>) {
    const df = new Map<string, number>();
    const bags = docs.map((d) => {
      const t = terms(d.text);
      for (const term of new Set(t)) df.set(term, (df.get(term) ?? 0) + 1);
      return { label: d.label, t };
    });
    const n = Math.max(1, docs.length);
    for (const [term, count] of df) this.idf.set(term, Math.log((n + 1) / (count + 1)) + 1);
    bags.forEach(({ label, t }, doc) => {
      this.labels.push(label);
      for (const [term, w] of this.vectorOf(t)) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = []));
        list.push([doc, w]);
      }
    });
  }

  private vectorOf(t: string[]): Vector {
    const tf = new Map<string, number>();
    for (const term of t) tf.set(term, (tf.get(term) ?? 0) + 1);
    const vec: Vector = new Map();
    let norm = 0;
    for (const [term, count] of tf) {
      const idf = this.idf.get(term);
      if (idf === undefined) continue;
      const w = (1 + Math.log(count)) * idf;
      vec.set(term, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, w] of vec) vec.set(term, w / norm);
    return vec;
  }

  /** Best cosine per label, highest first. Pass `normalized` when the text already went through normalize(). */
  rank(text: string, top = 3, normalized = false): Array<{ label: string; score: number }> {
    const q = this.vectorOf(terms(text, normalized));
    if (q.size === 0) return [];
    // Dot products accumulate in a reusable array; only the documents touched are read back.
    const dots = (this.scratch ??= new Float64Array(this.labels.length));
    const touched: number[] = [];
    for (const [term, w] of q) {
      for (const [doc, dw] of this.postings.get(term) ?? []) {
        if (dots[doc] === 0) touched.push(doc);
        dots[doc]! += w * dw;
      }
    }
    const best = new Map<string, number>();
    for (const doc of touched) {
      const dot = dots[doc]!;
      dots[doc] = 0;
      const label = this.labels[doc]!;
      if (dot > (best.get(label) ?? 0)) best.set(label, dot);
    }
    return [...best.entries()]
      .map(([label, score]) => ({ label, score: Math.round(score * 1000) / 1000 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, top);
  }
}
