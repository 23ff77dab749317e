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
  for (const ch of text) if (T2S.has(ch)) n++;
  return n;
}

const SIMPLIFIED_ONLY = new Set([...T2S.values()]);
export function simplifiedCount(text: string): number {
  let n = 0;
  for (const ch of text) if (SIMPLIFIED_ONLY.has(ch) && !T2S.has(ch)) n++;
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

const CJK = /\p{Script=Han}/u;
export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

export function countCjk(text: string): number {
  let n = 0;
  for (const ch of text) if (CJK.test(ch)) n++;
  return n;
}

export function countLatinLetters(text: string): number {
  return (text.match(/[a-z]/gi) ?? []).length;
}

/** Length as a customer would feel it: Han characters count one each, other text counts words. */
export function contentSize(text: string): number {
  const han = countCjk(text);
  const words = (text.replace(/\p{Script=Han}/gu, ' ').match(/[a-z0-9']+/gi) ?? []).length;
  return han + words;
}

const WORD_CHAR = /[a-z0-9]/;

/**
 * A fixed list of terms, found in one pass over a message: terms are indexed by their first character,
 * so a 30-character message costs 30 lookups instead of one scan per term. Latin terms must stand as
 * whole words; Han terms match anywhere.
 */
export class TermSet {
  /** Per first character: the terms, and for Latin terms whether each end must fall on a word boundary. */
  private readonly byFirst = new Map<string, Array<{ term: string; start: boolean; end: boolean }>>();
  constructor(terms: Iterable<string>) {
    for (const term of new Set(terms)) {
      if (!term) continue;
      const latin = /^[\x00-\x7f]/.test(term);
      const list = this.byFirst.get(term[0]!) ?? [];
      list.push({ term, start: latin && WORD_CHAR.test(term[0]!), end: latin && WORD_CHAR.test(term.at(-1)!) });
      this.byFirst.set(term[0]!, list);
    }
  }

  /** Every term that occurs in `norm` (normalised text), with the position of its first occurrence. */
  find(norm: string): Map<string, number> {
    const found = new Map<string, number>();
    for (let i = 0; i < norm.length; i++) {
      const list = this.byFirst.get(norm[i]!);
      if (!list) continue;
      for (const { term, start, end } of list) {
        if (found.has(term) || !norm.startsWith(term, i)) continue;
        if (start && i > 0 && WORD_CHAR.test(norm[i - 1]!)) continue;
        if (end && i + term.length < norm.length && WORD_CHAR.test(norm[i + term.length]!)) continue;
        found.set(term, i);
      }
    }
    return found;
  }
}
