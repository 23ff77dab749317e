import TS_CHARACTERS from 'opencc-js/dict/TSCharacters';

// Traditional → simplified, character by character, from OpenCC's table (Apache-2.0, shipped in opencc-js).
// Matching runs on the simplified form so one lexicon serves zh-CN and zh-TW; replies are still written in
// the customer's script. Phrase-level conversion is not needed for matching and would cost far more.
const T2S = new Map<string, string>();
for (const entry of TS_CHARACTERS.split('|')) {
  const [trad, simp] = entry.split(' ');
  if (trad && simp && trad !== simp && [...trad].length === 1) T2S.set(trad, [...simp][0]!);
}

/** Characters that only occur in traditional script: their presence marks zh-TW text. */
export function traditionalCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (isHanCode(text.charCodeAt(i)) && T2S.has(text[i]!)) n++;
  return n;
}

const SIMPLIFIED_ONLY = new Set([...T2S.values()]);
export function simplifiedCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isHanCode(text.charCodeAt(i))) continue;
    const ch = text[i]!;
    if (SIMPLIFIED_ONLY.has(ch) && !T2S.has(ch)) n++;
  }
  return n;
}

const HAN_ANY = /[\u3400-\u9fff\uf900-\ufaff]/;

export function toSimplified(text: string): string {
  if (!HAN_ANY.test(text)) return text;
  let out = '';
  for (const ch of text) out += T2S.get(ch) ?? ch;
  return out;
}

/** NFKC folds full-width digits and letters (１２３, ＡＢＣ) into ASCII; then lower case and simplified script. */
export function normalize(text: string): string {
  return toSimplified(text.normalize('NFKC').toLowerCase()).replace(/\s+/g, ' ').trim();
}

/** Han characters in the BMP blocks people type (CJK unified, extension A, compatibility). */
const isHanCode = (c: number) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);

export function countCjk(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (isHanCode(text.charCodeAt(i))) n++;
  return n;
}

export function countLatinLetters(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (c >= 97 && c <= 122) n++;
  }
  return n;
}

/** Length as a customer would feel it: Han characters count one each, other text counts words. */
export function contentSize(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isHanCode(c)) {
      n++;
      inWord = false;
    } else if (isWordCode(c | 0x20) || c === 39) {
      if (!inWord) n++;
      inWord = true;
    } else inWord = false;
  }
  return n;
}

const WORD_CHAR = /[a-z0-9]/;
/** [a-z0-9] by code: normalised text has no capitals. */
const isWordCode = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

export interface Occurrence {
  term: string;
  at: number;
}

interface TrieNode {
  /** Keyed by UTF-16 code unit: small integers, cheaper to hash than one-character strings. */
  next: Map<number, TrieNode>;
  /** The term that ends here, with whether its ends must fall on word boundaries (Latin terms). */
  term?: { text: string; start: boolean; end: boolean };
}

/**
 * A fixed list of terms, found in one pass over a message: a trie walked from each position, so the cost
 * grows with the message, not with the number of terms (the lexicons hold thousands). Latin terms must
 * stand as whole words; Han terms match anywhere.
 */
export class TermSet {
  private readonly root: TrieNode = { next: new Map() };
  /** The root's children by code unit in a flat array: most positions of a message stop right there. */
  private readonly first: Array<TrieNode | undefined> = new Array(0x10000).fill(undefined);
  constructor(terms: Iterable<string>) {
    for (const text of new Set(terms)) {
      if (!text) continue;
      let node = this.root;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        let child = node.next.get(code);
        if (!child) node.next.set(code, (child = { next: new Map() }));
        node = child;
      }
      const latin = /^[\x00-\x7f]/.test(text);
      node.term = { text, start: latin && WORD_CHAR.test(text[0]!), end: latin && WORD_CHAR.test(text.at(-1)!) };
    }
    for (const [code, node] of this.root.next) this.first[code] = node;
  }

  /** Every occurrence of every term, by position, longer terms first at the same position. */
  occurrences(norm: string): Occurrence[] {
    const out: Occurrence[] = [];
    for (let i = 0; i < norm.length; i++) {
      const code = norm.charCodeAt(i);
      const startsWord = i === 0 || !isWordCode(norm.charCodeAt(i - 1));
      // Inside a Latin word no term can start: a term beginning with a letter must begin a word.
      if (!startsWord && isWordCode(code)) continue;
      let node = this.first[code];
      if (!node) continue;
      const mark = out.length;
      for (let j = i + 1; node; j++) {
        const t = node.term;
        if (t && (!t.start || startsWord) && (!t.end || j >= norm.length || !isWordCode(norm.charCodeAt(j)))) out.splice(mark, 0, { term: t.text, at: i });
        if (j >= norm.length) break;
        node = node.next.get(norm.charCodeAt(j));
      }
    }
    return out;
  }

  /** Every term that occurs in `norm` (normalised text), with the position of its first occurrence. */
  find(norm: string): Map<string, number> {
    return firstOccurrences(this.occurrences(norm));
  }
}

/** Term → position of its first occurrence. */
export function firstOccurrences(occurrences: Occurrence[]): Map<string, number> {
  const found = new Map<string, number>();
  for (const { term, at } of occurrences) if (!found.has(term)) found.set(term, at);
  return found;
}
