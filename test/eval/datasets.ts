import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../engine/paths.ts';

/** The shared development data sits beside the checkout (`../shared/data`), as in CI. */
export const DATA_DIR = process.env.SHARED_DATA ?? join(PROJECT_ROOT, '..', 'shared', 'data');

export interface Labelled {
  text: string;
  label: string;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** A stable pseudo-random fraction per text: the same split on every machine and run. */
export function bucket(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** Banking77 train.csv split 80/20 by a hash of the text (the shared file has no test part). */
export function banking77(): { train: Labelled[]; test: Labelled[] } {
  const rows = parseCsv(readFileSync(join(DATA_DIR, 'banking77', 'train.csv'), 'utf8')).slice(1);
  const all = rows.map(([text, label]) => ({ text: text!, label: label! }));
  return { train: all.filter((r) => bucket(r.text) >= 0.2), test: all.filter((r) => bucket(r.text) < 0.2) };
}

/** CLINC150: train on `train`, measure on `val`; `oos_val` are the out-of-scope questions. */
export function clinc150(): { train: Labelled[]; test: Labelled[]; oos: string[] } {
  const d = JSON.parse(readFileSync(join(DATA_DIR, 'clinc150', 'clinc150_train_val.json'), 'utf8')) as Record<string, [string, string][]>;
  const rows = (k: string) => (d[k] ?? []).map(([text, label]) => ({ text, label }));
  return { train: rows('train'), test: rows('val'), oos: rows('oos_val').map((r) => r.text) };
}

/** NLU++ rows of one domain, all ten folds (nothing here learns from them). */
export function nlupp(domain: 'banking' | 'hotels'): Array<{ text: string; intents: string[] }> {
  const out: Array<{ text: string; intents: string[] }> = [];
  for (let fold = 0; fold < 10; fold++) {
    const rows = JSON.parse(readFileSync(join(DATA_DIR, 'nlupp', domain, `fold${fold}.json`), 'utf8')) as Array<{ text: string; intents?: string[] }>;
    for (const r of rows) out.push({ text: r.text, intents: r.intents ?? [] });
  }
  return out;
}

/** CrossWOZ user turns with their general acts (greet, thank, bye). */
export function crosswoz(): Array<{ text: string; general: string[] }> {
  return readFileSync(join(DATA_DIR, 'crosswoz', 'usr_utterances_val.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; general: string[] });
}
