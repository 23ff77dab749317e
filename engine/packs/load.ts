import { readFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { FaqFile, PackFile, type Localized, type Pack } from './schema.ts';

export const BOTS_DIR = join(PROJECT_ROOT, 'bots');

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AppError('PACK_INVALID', `${shown(file)}: cannot read the file`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new AppError('PACK_INVALID', `${shown(file)}: not valid YAML: ${(err as Error).message}`);
  }
}

function shown(file: string): string {
  return relative(process.cwd(), file) || file;
}

function fieldPath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
}

function validate<T extends z.ZodType>(schema: T, value: unknown, file: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 10).map((i) => `  ${shown(file)}: ${fieldPath(i.path)}: ${i.message}`);
  throw new AppError('PACK_INVALID', `invalid bot pack:\n${lines.join('\n')}`);
}

function problem(file: string, field: string, message: string): never {
  throw new AppError('PACK_INVALID', `invalid bot pack:\n  ${shown(file)}: ${field}: ${message}`);
}

/** Cross-field rules zod cannot express per field: every listed locale present, references resolve. */
function checkConsistency(pack: PackFile, file: string): void {
  const needAll = (value: Localized | Partial<Record<string, unknown>> | undefined, field: string) => {
    if (!value) return;
    for (const locale of pack.locales) if (!(locale in value)) problem(file, field, `missing the ${locale} text`);
  };
  if (!pack.locales.includes(pack.defaultLocale)) problem(file, 'defaultLocale', `${pack.defaultLocale} is not in locales`);
  try {
    new Intl.DateTimeFormat('en', { timeZone: pack.timeZone });
  } catch {
    problem(file, 'timeZone', `unknown IANA time zone "${pack.timeZone}"`);
  }
  needAll(pack.displayName, 'displayName');
  for (const [g, rule] of Object.entries(pack.grades)) needAll(rule.label, `grades.${g}.label`);
  pack.escalation.forEach((step, i) => needAll(step.label, `escalation[${i}].label`));
  needAll(pack.riskKeywords, 'riskKeywords');
  needAll(pack.faq, 'faq');
  for (const [key, detail] of Object.entries(pack.details)) {
    needAll(detail.label, `details.${key}.label`);
    needAll(detail.ask, `details.${key}.ask`);
    try {
      new RegExp(`^(?:${detail.pattern})$`);
    } catch (err) {
      problem(file, `details.${key}.pattern`, `not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const seen = new Set<string>();
  pack.categories.forEach((cat, i) => {
    const at = `categories[${i}]`;
    if (seen.has(cat.id)) problem(file, `${at}.id`, `duplicate category id "${cat.id}"`);
    seen.add(cat.id);
    needAll(cat.label, `${at}.label`);
    needAll(cat.keywords, `${at}.keywords`);
    needAll(cat.examples, `${at}.examples`);
    needAll(cat.compensation, `${at}.compensation`);
    cat.asks.forEach((d, j) => {
      if (!(d in pack.details)) problem(file, `${at}.asks[${j}]`, `unknown detail "${d}" (not in details)`);
    });
  });
  if (!seen.has('other')) problem(file, 'categories', 'a category with id "other" is required');
}

export function loadPackFrom(dir: string): Pack {
  const file = join(dir, 'pack.yaml');
  if (!existsSync(file)) throw new AppError('PACK_NOT_FOUND', `bot pack not found: ${shown(file)} does not exist`);
  const pack = validate(PackFile, readYaml(file), file);
  checkConsistency(pack, file);
  const faq: Pack['faq'] = {};
  for (const locale of pack.locales) {
    const faqFile = resolve(dir, pack.faq[locale]!);
    const entries = validate(FaqFile, readYaml(faqFile), faqFile);
    const ids = new Set<string>();
    entries.forEach((e, i) => {
      if (ids.has(e.id)) problem(faqFile, `[${i}].id`, `duplicate FAQ id "${e.id}"`);
      ids.add(e.id);
    });
    faq[locale] = entries;
  }
  return { ...pack, dir, faq };
}

/** A pack by name from `bots/`, or by path when the name contains a slash. */
export function loadPack(nameOrPath: string): Pack {
  if (!/^[a-z0-9-]+$/.test(nameOrPath) && !nameOrPath.includes('/')) {
    throw new AppError('PACK_NOT_FOUND', `bot pack name "${nameOrPath}" is not a folder name under bots/`);
  }
  return loadPackFrom(nameOrPath.includes('/') ? resolve(nameOrPath) : join(BOTS_DIR, nameOrPath));
}
