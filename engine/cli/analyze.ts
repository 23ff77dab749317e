import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { stdin, stdout, stderr } from 'node:process';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../errors.ts';
import { loadPack } from '../packs/load.ts';
import { FaqFile, LOCALES, type FaqEntry, type Locale } from '../packs/schema.ts';
import { createUnderstander, encoderFor, type Understand } from '../understand/index.ts';
import { DEFAULT_MODEL_CACHE, modelCacheDir } from '../understand/model-cache.ts';
import type { Understanding, UnderstandContext } from '../understand/types.ts';
import { parseArgs } from './args.ts';

export const ANALYZE_USAGE = `intake analyze [--bot NAME] [--faq FILE] [--locale zh-CN|zh-TW|en]

Reads messages from stdin, one per line: plain text, or (a line starting with "{") a JSON object
{"text": "...", "locale": "zh-CN|zh-TW|en", "today": "YYYY-MM-DD"} where locale and today are optional.
Writes one JSON object per input line, in order, to stdout: the analysis, or {"line": N, "error": "..."}.

  --bot NAME     bot pack to analyse with (default: $BOT, else power-utility)
  --faq FILE     replace the pack's FAQ with FILE: a YAML or JSON list of {id, questions: [...], answer};
                 an entry without an answer gets its id as the answer
  --locale TAG   conversation locale for every line (a line's own "locale" wins)

A FAQ of 1,000 questions or more is learned once and saved in node_modules/.cache/intake-models
(or $MODEL_CACHE_DIR; MODEL_CACHE_DIR=off never saves); later runs with the same list load it.
An English FAQ of 2,000 questions or more also learns from a sentence encoder that embeds every
question, on every core the machine has: the first run takes about half a minute per 8,000 questions
on two cores, later runs load the saved model.`;

const MAX_TEXT = 4000;
/** A raw line this long cannot hold a valid message even JSON-escaped; it is skipped without being buffered. */
const MAX_LINE = 64 * 1024;
const TOO_LONG = Symbol('too long');
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLocale(value: unknown): value is Locale {
  return (LOCALES as readonly unknown[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function fieldPath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
}

/** An operator's FAQ file (YAML or JSON, told apart by content), validated like a pack's FAQ. */
export function loadFaqFile(file: string): FaqEntry[] {
  const fail = (detail: string): never => {
    throw new AppError('CONFIG_INVALID', `invalid FAQ file:\n  ${file}: ${detail}`);
  };
  let text = '';
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    fail('cannot read the file');
  }
  let raw: unknown;
  const looksJson = /^\s*[[{]/.test(text);
  try {
    raw = looksJson ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    // JSON-looking text may still be YAML flow style ([a, b]); only report JSON when YAML fails too.
    try {
      raw = parseYaml(text);
    } catch {
      fail(`not valid ${looksJson ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
    }
  }
  // Evaluation files often carry ids and questions only: the id stands in for the answer.
  if (Array.isArray(raw)) {
    raw = raw.map((e: unknown) => (isRecord(e) && e.answer == null && typeof e.id === 'string' ? { ...e, answer: e.id } : e));
  }
  const result = FaqFile.safeParse(raw);
  if (!result.success) fail(result.error.issues.slice(0, 10).map((i) => `${fieldPath(i.path)}: ${i.message}`).join(`\n  ${file}: `));
  const entries = result.data!;
  if (entries.length === 0) fail('(root): the list has no FAQ entries');
  const ids = new Set<string>();
  entries.forEach((e, i) => {
    if (ids.has(e.id)) fail(`[${i}].id: duplicate FAQ id "${e.id}"`);
    ids.add(e.id);
  });
  return entries;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function toRecord(u: Understanding): Record<string, unknown> {
  const { entities } = u;
  return {
    language: u.language,
    locale: u.locale,
    intent: { name: u.intent.name, confidence: r3(u.intent.confidence) },
    social: u.social,
    faq: u.faq && { id: u.faq.id, score: r3(u.faq.score) },
    category: u.category && { id: u.category.id, confidence: r3(u.category.confidence) },
    sentiment: { label: u.sentiment.label, score: r3(u.sentiment.score) },
    emotion: { label: u.emotion.label, intensity: r3(u.emotion.intensity) },
    complaint: u.complaint,
    style: u.style,
    handoff: u.handoff !== null,
    handoffReason: u.handoff,
    severity: u.severity,
    signals: u.signals,
    entities: entities.amounts.length ? { ...entities, amounts: entities.amounts.map((a) => ({ ...a, value: r3(a.value) })) } : entities,
  };
}

/** One input line to one output line (without the newline). Never throws. */
function analyzeLine(understand: Understand, raw: string | typeof TOO_LONG, n: number, locale: Locale | undefined): string {
  const error = (message: string) => JSON.stringify({ line: n, error: message });
  if (raw === TOO_LONG) return error(`line longer than ${MAX_LINE} characters`);
  const line = raw.trim();
  if (!line) return error('empty line');
  let text: unknown = line;
  const context: UnderstandContext = locale ? { locale } : {};
  if (line.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return error('invalid JSON');
    }
    if (!isRecord(obj)) return error('invalid JSON');
    text = obj.text;
    if (typeof text !== 'string') return error('JSON object has no string "text" field');
    if (!text.trim()) return error('empty text');
    if (obj.locale != null) {
      if (!isLocale(obj.locale)) return error(`"locale" must be one of ${LOCALES.join(', ')}`);
      context.locale = obj.locale;
    }
    if (obj.today != null) {
      if (typeof obj.today !== 'string' || !isCalendarDate(obj.today)) return error('"today" must be a date YYYY-MM-DD');
      context.today = obj.today;
    }
  }
  const message = text as string;
  if (message.length > MAX_TEXT && [...message].length > MAX_TEXT) return error(`text longer than ${MAX_TEXT} characters`);
  try {
    return JSON.stringify(toRecord(understand(message, context)));
  } catch (err) {
    // The message itself stays out of the diagnostics: it may hold personal data.
    stderr.write(`intake analyze: line ${n}: analysis failed: ${(err as Error).message}\n`);
    return error('analysis failed');
  }
}

/** Splits a text stream on "\n" (dropping a "\r" before it), as `wc -l` counts; a lone "\r" stays in its line. */
class LineSplitter {
  private pending = '';
  private overlong = false;

  push(chunk: string, out: Array<string | typeof TOO_LONG>): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      out.push(this.take(chunk.slice(start, nl)));
      start = nl + 1;
    }
    this.append(chunk.slice(start));
  }

  end(out: Array<string | typeof TOO_LONG>): void {
    if (this.overlong || this.pending) out.push(this.take(''));
  }

  private append(piece: string): void {
    if (this.overlong) return;
    if (this.pending.length + piece.length > MAX_LINE) {
      this.overlong = true;
      this.pending = '';
    } else this.pending += piece;
  }

  private take(piece: string): string | typeof TOO_LONG {
    this.append(piece);
    const line = this.overlong ? TOO_LONG : this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
    this.pending = '';
    this.overlong = false;
    return line;
  }
}

/** `intake analyze`: stdin messages in, one JSON analysis per line out. */
export async function analyze(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { bot: 'string', faq: 'string', locale: 'string', help: 'boolean' });
  if (args.help) {
    stdout.write(`${ANALYZE_USAGE}\n`);
    return;
  }
  if (args.locale !== undefined && !isLocale(args.locale)) {
    stderr.write(`intake analyze: --locale must be one of ${LOCALES.join(', ')} (got "${String(args.locale)}")\n`);
    process.exitCode = 2;
    return;
  }
  const locale = args.locale as Locale | undefined;
  const entries = typeof args.faq === 'string' ? loadFaqFile(args.faq) : undefined;
  const pack = loadPack(String(args.bot ?? process.env.BOT ?? 'power-utility'));
  // One array for every locale: the understander indexes each distinct array once.
  // A large --faq list is learned once and loaded from the model cache on later runs (MODEL_CACHE_DIR=off: never saved).
  const faqPack = entries ? { ...pack, faq: { 'zh-CN': entries, 'zh-TW': entries, en: entries } } : pack;
  const understand = createUnderstander(faqPack, {
    modelCache: modelCacheDir(process.env.MODEL_CACHE_DIR, DEFAULT_MODEL_CACHE),
    encoder: await encoderFor(faqPack),
  });

  stdout.on('error', (err: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): nothing left to do, and nothing to complain about.
    if (err.code === 'EPIPE') process.exit(0);
    stderr.write(`intake analyze: cannot write the output: ${err.message}\n`);
    process.exit(1);
  });

  const splitter = new LineSplitter();
  const lines: Array<string | typeof TOO_LONG> = [];
  let n = 0;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    if (n === 0 && typeof lines[0] === 'string') lines[0] = lines[0].replace(/^\uFEFF/, '');
    let out = '';
    for (const line of lines) out += `${analyzeLine(understand, line, ++n, locale)}\n`;
    lines.length = 0;
    if (!stdout.write(out)) await once(stdout, 'drain');
  };
  stdin.setEncoding('utf8');
  // Async iteration reads the next chunk only after this one is written: memory stays bounded.
  for await (const chunk of stdin as AsyncIterable<string>) {
    splitter.push(chunk, lines);
    await flush();
  }
  splitter.end(lines);
  await flush();
}
