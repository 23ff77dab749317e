// Sparse lexical features of a normalised message, hashed to 32-bit ids, with their term weights.
// Han text gives character 1-3 grams (Chinese has no spaces, and most words are two characters); Latin
// text gives word 1-2 grams and character 3-5 grams inside words, which catch inflections and typos
// ("refund", "refunded", "refnd"). Word grams weigh double: character grams outnumber them several times
// and would otherwise drown the words that carry the meaning (measured on Banking77, `npm run eval`).
// Hashes are computed over slices in place (FNV-1a, seeded per kind of gram): no substring is built.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mix(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}
const seed = (kind: string) => mix(FNV_OFFSET, kind, 0, kind.length);
const HAN = [seed('h1'), seed('h2'), seed('h3')];
const WORD = seed('w1');
const BIGRAM = seed('w2');
const CHAR = seed('c');
const SPACE = 32;

const STOP = new Set(['the', 'a', 'an', 'to', 'of', 'and', 'or', 'in', 'on', 'for', 'is', 'it', 'this', 'that', 'be', 'at', 'with']);
const WORD_WEIGHT = 2;
const LATIN_WORD = /[a-z][a-z']*|\d+/g;
const HAN_RUN = /\p{Script=Han}+/gu;

export type Features = Map<number, number>;

/** Feature ids with weights (1 + ln count, times the block weight). */
export function featurize(norm: string): Features {
  const counts = new Map<number, number>();
  const words = new Set<number>();
  const add = (h: number, word: boolean) => {
    // 30 bits keep ids small integers, which V8 stores and hashes far faster than larger numbers.
    h &= 0x3fffffff;
    counts.set(h, (counts.get(h) ?? 0) + 1);
    if (word) words.add(h);
  };
  for (const run of norm.match(HAN_RUN) ?? []) {
    for (let i = 0; i < run.length; i++) {
      for (let n = 1; n <= 3 && i + n <= run.length; n++) add(mix(HAN[n - 1]!, run, i, i + n), false);
    }
  }
  const tokens = (norm.match(LATIN_WORD) ?? []).map((w) => (w.charCodeAt(0) <= 57 ? '#' : w.includes("'") ? w.replace(/'/g, '') : w));
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!;
    if (!STOP.has(w)) add(mix(WORD, w, 0, w.length), true);
    const next = tokens[i + 1];
    if (next !== undefined) add(mix(Math.imul(mix(BIGRAM, w, 0, w.length) ^ SPACE, FNV_PRIME), next, 0, next.length), true);
    if (w.length > 2 && w !== '#') {
      const padded = `<${w}>`;
      for (let n = 3; n <= 5; n++) for (let j = 0; j + n <= padded.length; j++) add(mix(CHAR, padded, j, j + n), false);
    }
  }
  const out: Features = new Map();
  for (const [h, count] of counts) out.set(h, (1 + Math.log(count)) * (words.has(h) ? WORD_WEIGHT : 1));
  return out;
}
