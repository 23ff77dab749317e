import TS_CHARACTERS from 'opencc-js/dict/TSCharacters';
import ST_CHARACTERS from 'opencc-js/dict/STCharacters';
import ST_PHRASES from 'opencc-js/dict/STPhrases';
import TW_VARIANTS from 'opencc-js/dict/TWVariants';

// Traditional → simplified, character by character, from OpenCC's table (Apache-2.0, shipped in opencc-js).
// Matching runs on the simplified form so one lexicon serves zh-CN and zh-TW; replies are still written in
// the customer's script. Phrase-level conversion is not needed for matching and would cost far more.
const T2S = new Map<string, string>();
for (const entry of TS_CHARACTERS.split('|')) {
  const [trad, simp] = entry.split(' ');
  if (trad && simp && trad !== simp && [...trad].length === 1) T2S.set(trad, [...simp][0]!);
}

/** 1 for each single UTF-16 unit T2S changes: read per character of every message, where a Map lookup costs more. */
const CHANGED_UNIT = new Uint8Array(0x10000);
for (const trad of T2S.keys()) if (trad.length === 1) CHANGED_UNIT[trad.charCodeAt(0)] = 1;

/** Words OpenCC writes with the character unchanged in traditional script, from this many on it is an ordinary one. */
const KEPT_IN_TRADITIONAL_WORDS = 10;

/**
 * Characters that mark simplified text: Taiwan-style simplified → traditional conversion (OpenCC's s2t table,
 * then its Taiwan variants) changes them, and they are not also ordinary traditional characters. Many
 * simplified forms are traditional characters in their own right: 面 (also for 麵), 出 (also for 齣), 只, 系
 * and 才 are left alone by s2t; 台, 后, 里, 干 and 准 are converted by default but OpenCC's phrase table keeps
 * them in many traditional words (台州, 皇后, 公里, 干涉, 批准); 吃, 床 and 群 are Taiwan's standard forms.
 */
const SIMPLIFIED_ONLY: ReadonlySet<string> = (() => {
  const twVariant = new Map<string, string>();
  for (const entry of TW_VARIANTS.split('|')) {
    const [from, to] = entry.split(' ');
    if (from && to) twVariant.set(from, to);
  }
  const changed = new Set<string>();
  for (const entry of ST_CHARACTERS.split('|')) {
    const [simp, trad] = entry.split(' ');
    if (!simp || !trad || simp.length !== 1 || T2S.has(simp)) continue;
    const taiwan = twVariant.get(trad) ?? trad;
    if (taiwan !== simp) changed.add(simp);
  }
  // Scanned by index rather than split: the phrase table is large and this runs at start-up.
  const kept = new Map<string, number>();
  for (let i = 0; i < ST_PHRASES.length; ) {
    let end = ST_PHRASES.indexOf('|', i);
    if (end < 0) end = ST_PHRASES.length;
    const space = ST_PHRASES.indexOf(' ', i);
    if (space > i && space < end && space - i === end - space - 1) {
      for (let k = 0; i + k < space; k++) {
        const ch = ST_PHRASES[i + k]!;
        if (ch === ST_PHRASES[space + 1 + k] && changed.has(ch)) kept.set(ch, (kept.get(ch) ?? 0) + 1);
      }
    }
    i = end + 1;
  }
  for (const [ch, words] of kept) if (words >= KEPT_IN_TRADITIONAL_WORDS) changed.delete(ch);
  return changed;
})();

const SIMPLIFIED_UNIT = new Uint8Array(0x10000);
for (const ch of SIMPLIFIED_ONLY) SIMPLIFIED_UNIT[ch.charCodeAt(0)] = 1;

/** Characters that only occur in simplified script: their presence marks zh-CN text. */
export function simplifiedCount(text: string): number {
  return scriptCounts(text).simplified;
}

/**
 * What a text is written in, counted in one pass: Han characters, Latin letters, and Han characters found only
 * in traditional script (T2S changes them) or only in simplified script.
 */
export function scriptCounts(text: string): { han: number; latin: number; traditional: number; simplified: number } {
  let han = 0;
  let latin = 0;
  let traditional = 0;
  let simplified = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isHanCode(c)) {
      han++;
      traditional += CHANGED_UNIT[c]!;
      simplified += SIMPLIFIED_UNIT[c]!;
    } else if (((c | 0x20) >= 97 && (c | 0x20) <= 122)) latin++;
  }
  return { han, latin, traditional, simplified };
}

const HAN_ANY = /[\u3400-\u9fff\uf900-\ufaff]/;

export function toSimplified(text: string): string {
  if (!HAN_ANY.test(text)) return text;
  // Most Chinese messages are already simplified: a new string is built only from the first character that changes.
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (!pair && !CHANGED_UNIT[c]) continue;
    const ch = pair ? text.slice(i, i + 2) : text[i]!;
    const to = T2S.get(ch);
    if (to !== undefined) {
      out += text.slice(from, i) + to;
      from = i + ch.length;
    }
    if (pair) i++;
  }
  return from === 0 ? text : out + text.slice(from);
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

interface TermInfo {
  text: string;
  /** Whether the term's ends must fall on word boundaries (Latin terms). */
  start: boolean;
  end: boolean;
}

/**
 * A fixed list of terms, found in one pass over a message: a trie walked from each position, so the cost
 * grows with the message, not with the number of terms (the lexicons hold thousands). Latin terms must
 * stand as whole words; Han terms match anywhere. The trie is flat: nodes are numbers, and each node's
 * children sit side by side in typed arrays, sorted by code unit. Nodes are numbered as terms are added, so
 * a walk along one term reads neighbouring entries: a few hundred kilobytes in all, where a hash table of
 * edges took megabytes and missed the cache at nearly every step. Most positions stop at the first lookup.
 */
export class TermSet {
  /** The root's children by code unit (-1: none). */
  private readonly first = new Int32Array(0x10000).fill(-1);
  /** The term ending at each node, if any. */
  private readonly terms: Array<TermInfo | undefined> = [undefined];
  /** Node n's children are entries childStart[n] to childStart[n + 1] - 1 of childCode (ascending) and childNode. */
  private readonly childStart: Int32Array;
  private readonly childCode: Uint16Array;
  private readonly childNode: Int32Array;

  constructor(terms: Iterable<string>) {
    const children: Array<Map<number, number>> = [new Map()];
    const edges: Array<[number, number, number]> = [];
    for (const text of new Set(terms)) {
      if (!text) continue;
      let node = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        let child = children[node]!.get(code);
        if (child === undefined) {
          child = children.length;
          children.push(new Map());
          this.terms.push(undefined);
          children[node]!.set(code, child);
          edges.push([node, code, child]);
        }
        node = child;
      }
      const latin = /^[\x00-\x7f]/.test(text);
      this.terms[node] = { text, start: latin && WORD_CHAR.test(text[0]!), end: latin && WORD_CHAR.test(text.at(-1)!) };
    }
    for (const [node, code, child] of edges) if (node === 0) this.first[code] = child;
    this.childStart = new Int32Array(children.length + 1);
    this.childCode = new Uint16Array(edges.length);
    this.childNode = new Int32Array(edges.length);
    let k = 0;
    children.forEach((byCode, node) => {
      this.childStart[node] = k;
      if (node === 0) return;
      for (const code of [...byCode.keys()].sort((a, b) => a - b)) {
        this.childCode[k] = code;
        this.childNode[k++] = byCode.get(code)!;
      }
    });
    this.childStart[children.length] = k;
  }

  /** The child of `node` by `code`, or -1. */
  private next(node: number, code: number): number {
    const { childCode, childNode } = this;
    let lo = this.childStart[node]!;
    let hi = this.childStart[node + 1]!;
    // Most nodes have one child or a few; a common first character (不, 太) has hundreds.
    if (hi - lo <= 8) {
      for (; lo < hi; lo++) if (childCode[lo] === code) return childNode[lo]!;
      return -1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = childCode[mid]!;
      if (c === code) return childNode[mid]!;
      if (c < code) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** Every occurrence of every term, by position, longer terms first at the same position. */
  occurrences(norm: string): Occurrence[] {
    const out: Occurrence[] = [];
    for (let i = 0; i < norm.length; i++) {
      const code = norm.charCodeAt(i);
      const startsWord = i === 0 || !isWordCode(norm.charCodeAt(i - 1));
      // Inside a Latin word no term can start: a term beginning with a letter must begin a word.
      if (!startsWord && isWordCode(code)) continue;
      let node = this.first[code]!;
      if (node < 0) continue;
      const mark = out.length;
      for (let j = i + 1; node >= 0; j++) {
        const t = this.terms[node];
        if (t && (!t.start || startsWord) && (!t.end || j >= norm.length || !isWordCode(norm.charCodeAt(j)))) out.splice(mark, 0, { term: t.text, at: i });
        if (j >= norm.length) break;
        node = this.next(node, norm.charCodeAt(j));
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
