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
const HAN = seed('h');
const WORD = seed('w1');
const BIGRAM = seed('w2');
const CHAR = seed('c');
const SPACE = 32;

const STOP = new Set(['the', 'a', 'an', 'to', 'of', 'and', 'or', 'in', 'on', 'for', 'is', 'it', 'this', 'that', 'be', 'at', 'with']);
const WORD_WEIGHT = 2;
const LATIN_WORD = /[a-z][a-z']*|\d+/g;
const HAN_RUN = /\p{Script=Han}+/gu;

/** Hashed features of one message, with weights: parallel arrays. */
export interface Features {
  ids: Int32Array;
  weights: Float32Array;
  /** Which kinds of text gave features: HAN_TEXT, LATIN_TEXT or both. Texts with none in common share no features. */
  scripts: number;
  /** Per feature, 1 for a word 1-2 gram or a Han gram, 0 for a character gram inside a Latin word (see `LinearModel`'s word networks). */
  words?: Uint8Array;
}

export const HAN_TEXT = 1;
export const LATIN_TEXT = 2;

// Per-message counting in a reused open-addressing table: a slot belongs to this message when its stamp is
// the current one, so nothing is cleared between messages and nothing is allocated per feature.
const SLOTS = 1 << 14;
const MAX_FEATURES = SLOTS >> 2;
const slotStamp = new Int32Array(SLOTS);
const slotKey = new Int32Array(SLOTS);
const slotCount = new Int32Array(SLOTS);
const slotWord = new Uint8Array(SLOTS);
/** Word grams and Han grams (Chinese words are one to three characters): the features a word view keeps. */
const slotWordLike = new Uint8Array(SLOTS);
const usedSlots = new Int32Array(MAX_FEATURES);
const outIds = new Int32Array(MAX_FEATURES);
const outWeights = new Float32Array(MAX_FEATURES);
const outWords = new Uint8Array(MAX_FEATURES);
let stamp = 0;
let used = 0;

function add(hash: number, word: boolean, wordLike = word): void {
  // 30 bits keep ids small integers, which V8 stores and hashes faster than larger numbers.
  const h = hash & 0x3fffffff;
  let i = Math.imul(h, 0x9e3779b1) & (SLOTS - 1);
  while (slotStamp[i] === stamp && slotKey[i] !== h) i = (i + 1) & (SLOTS - 1);
  if (slotStamp[i] !== stamp) {
    // A very long message keeps its first MAX_FEATURES distinct features; that is plenty to understand it.
    if (used === MAX_FEATURES) return;
    slotStamp[i] = stamp;
    slotKey[i] = h;
    slotCount[i] = 0;
    slotWord[i] = 0;
    slotWordLike[i] = 0;
    usedSlots[used++] = i;
  }
  slotCount[i]!++;
  if (word) slotWord[i] = 1;
  if (wordLike) slotWordLike[i] = 1;
}

/** Feature ids with weights (1 + ln count, times the block weight), valid until the next call. */
export function featurize(norm: string): Features {
  stamp = (stamp + 1) | 0 || 1;
  used = 0;
  const runs = norm.match(HAN_RUN);
  let scripts = runs ? HAN_TEXT : 0;
  for (const run of runs ?? []) {
    // Rolling: the 2-gram's hash extends the 1-gram's, the 3-gram's the 2-gram's.
    for (let i = 0; i < run.length; i++) {
      let h = HAN;
      for (let j = i; j < i + 3 && j < run.length; j++) add((h = Math.imul(h ^ run.charCodeAt(j), FNV_PRIME)), false, true);
    }
  }
  const tokens = (norm.match(LATIN_WORD) ?? []).map((w) => (w.charCodeAt(0) <= 57 ? '#' : w.includes("'") ? w.replace(/'/g, '') : w));
  if (tokens.some((t) => t !== '#')) scripts |= LATIN_TEXT;
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!;
    if (!STOP.has(w)) add(mix(WORD, w, 0, w.length), true);
    const next = tokens[i + 1];
    if (next !== undefined) add(mix(Math.imul(mix(BIGRAM, w, 0, w.length) ^ SPACE, FNV_PRIME), next, 0, next.length), true);
    if (w.length > 2 && w !== '#') {
      const padded = `<${w}>`;
      for (let j = 0; j + 3 <= padded.length; j++) {
        let h = mix(CHAR, padded, j, j + 3);
        add(h, false);
        for (let k = j + 3; k < j + 5 && k < padded.length; k++) add((h = Math.imul(h ^ padded.charCodeAt(k), FNV_PRIME)), false);
      }
    }
  }
  for (let k = 0; k < used; k++) {
    const i = usedSlots[k]!;
    outIds[k] = slotKey[i]!;
    outWeights[k] = (1 + Math.log(slotCount[i]!)) * (slotWord[i] ? WORD_WEIGHT : 1);
    outWords[k] = slotWordLike[i]!;
  }
  return { ids: outIds.subarray(0, used), weights: outWeights.subarray(0, used), scripts, words: outWords.subarray(0, used) };
}

/** As `featurize`, in arrays of its own (for training data, which is kept). */
export function featurizeKept(norm: string): Features {
  const f = featurize(norm);
  return { ids: f.ids.slice(), weights: f.weights.slice(), scripts: f.scripts, words: f.words?.slice() };
}
