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
  /** A negation whose reach is the rest of its clause: "没有想象中…", "不像有些…", "所谓的…". */
  scope?: boolean;
  /** A negation that insists ("一点都不", "根本没"): denying a fault then praises. */
  emphatic?: boolean;
  contrast?: boolean;
  /** Opens a clause that the next one outweighs ("虽然…，", "本来…，"). */
  concessive?: boolean;
  /** A degree word pointing at the thing itself ("这么", "如此"): "从没吃过这么难吃的" is not a denial. */
  proximal?: boolean;
  /** A degree word that follows what it strengthens ("快到离谱", "好吃到哭"). */
  post?: boolean;
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
  scope?: string[];
  emphatic?: string[];
  contrast?: string[];
  concessive?: string[];
  proximal?: string[];
  post?: string[];
  /** Words that only look like a negation or a feeling ("不得不说", "不少", "差不多"): found so as to be skipped. */
  neutral?: string[];
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
    for (const t of src.scope ?? []) Object.assign(entry(t), { negation: true, scope: true });
    for (const t of src.emphatic ?? []) Object.assign(entry(t), { negation: true, emphatic: true });
    for (const t of src.contrast ?? []) entry(t).contrast = true;
    for (const t of src.concessive ?? []) Object.assign(entry(t), { contrast: true, concessive: true });
    for (const t of src.proximal ?? []) entry(t).proximal = true;
    for (const t of src.post ?? []) entry(t).post = true;
    for (const t of src.neutral ?? []) entry(t);
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
    // Two words sharing characters cannot both be meant when they pull opposite ways: "看哭了" is one
    // (moved), not "看哭" and "哭了"; the one that starts first stands.
    if (at < covered && container && container.info.polarity * info.polarity < 0) continue;
    container = { term, at, end, info };
    out.push(container);
    covered = Math.max(covered, end);
  }
  return out;
}
