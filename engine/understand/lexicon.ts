import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import { normalize, type Occurrence } from './text.ts';

// The project's own sentiment and emotion word lists (data/lexicon/{zh,en}.json, written for this project).
// Chinese entries are simplified; traditional text is converted before lookup, so one list serves zh-CN and zh-TW.

export type Feeling = 'anger' | 'anxiety' | 'sadness';

/** What one term says. A term can be several things: "垃圾" is negative and angry. */
export interface TermInfo {
  /** Polarity weight: above 0 positive, below 0 negative. */
  polarity: number;
  feeling?: [Feeling, number];
  insult?: number;
  threat?: number;
  /** Multiplier a degree word puts on the term after it. */
  degree?: number;
  negation?: boolean;
  contrast?: boolean;
  rhetorical?: boolean;
  urgency?: boolean;
}

interface LexiconFile {
  positive?: Record<string, number>;
  negative?: Record<string, number>;
  anger?: Record<string, number>;
  anxiety?: Record<string, number>;
  sadness?: Record<string, number>;
  insult?: Record<string, number>;
  threat?: Record<string, number>;
  degree?: Record<string, number>;
  negation?: string[];
  contrast?: string[];
  rhetorical?: string[];
  urgency?: string[];
}

export const LEXICON_DIR = join(PROJECT_ROOT, 'engine', 'understand', 'data', 'lexicon');

/** What each term says; callers find the terms (with their own) in one pass over the message. */
export interface Lexicon {
  info: Map<string, TermInfo>;
}

/**
 * Builds the lexicon from the JSON files plus `core`, the hand-tuned service-chat entries, which win where
 * both list a term. Feelings are negative too, unless the term is listed as positive.
 */
export function buildLexicon(core: LexiconFile, dir = LEXICON_DIR): Lexicon {
  const info = new Map<string, TermInfo>();
  const entry = (term: string): TermInfo => {
    const key = normalize(term);
    let e = info.get(key);
    if (!e) info.set(key, (e = { polarity: 0 }));
    return e;
  };
  const files = ['zh.json', 'en.json'].map((f) => join(dir, f)).filter(existsSync);
  const sources = [...files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as LexiconFile), core];
  for (const src of sources) {
    for (const [t, w] of Object.entries(src.positive ?? {})) entry(t).polarity = w;
    for (const [t, w] of Object.entries(src.negative ?? {})) entry(t).polarity = -w;
    for (const feeling of ['anger', 'anxiety', 'sadness'] as const) {
      for (const [t, w] of Object.entries(src[feeling] ?? {})) {
        const e = entry(t);
        e.feeling = [feeling, w];
        if (e.polarity === 0) e.polarity = -w;
      }
    }
    for (const [t, w] of Object.entries(src.insult ?? {})) {
      const e = entry(t);
      e.insult = w;
      if (e.polarity >= 0) e.polarity = -w;
    }
    for (const [t, w] of Object.entries(src.threat ?? {})) entry(t).threat = w;
    for (const [t, w] of Object.entries(src.degree ?? {})) entry(t).degree = w;
    for (const t of src.negation ?? []) entry(t).negation = true;
    for (const t of src.contrast ?? []) entry(t).contrast = true;
    for (const t of src.rhetorical ?? []) entry(t).rhetorical = true;
    for (const t of src.urgency ?? []) entry(t).urgency = true;
  }
  info.delete('');
  return { info };
}

export interface Hit {
  term: string;
  at: number;
  end: number;
  info: TermInfo;
  /** Inside a longer term: lends that term its feeling when the longer one names none ("useless company"). */
  inner?: boolean;
}

/**
 * Every occurrence of a lexicon term, left to right, longest match first: "不满意" is one negative term,
 * not a negation before "满意"; "not bad" stays two terms, so negation handles it.
 */
export function findHits(lexicon: Lexicon, occurrences: Occurrence[]): Hit[] {
  const out: Hit[] = [];
  let covered = -1;
  // Occurrences come by position, longest first: a term inside a longer one is skipped, an overlapping one kept.
  // They may come from a larger term set shared with other lists: only this lexicon's terms count here.
  let container: Hit | undefined;
  for (const { term, at } of occurrences) {
    const info = lexicon.info.get(term);
    if (!info) continue;
    const end = at + term.length;
    if (at < covered && end <= covered) {
      // Same direction only: "不生气" (not angry) lends nothing of "生气" (angry).
      if (info.feeling && container && !container.info.feeling && container.info.polarity < 0 && info.polarity < 0) {
        out.push({ term, at, end, info, inner: true });
      }
      continue;
    }
    container = { term, at, end, info };
    out.push(container);
    covered = Math.max(covered, end);
  }
  return out;
}
