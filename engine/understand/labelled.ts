import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../paths.ts';
import { AppError } from '../errors.ts';
import { LOCALES, type Locale } from '../packs/schema.ts';

// The project's own labelled customer messages and reviews (written for this project, Apache-2.0 like the code):
// what the sentiment, emotion and complaint models learn from at start-up.
export const LABELLED_DIR = join(PROJECT_ROOT, 'engine', 'understand', 'data', 'labelled');

const Example = z.object({
  text: z.string().min(1),
  sentiment: z.enum(['negative', 'neutral', 'positive']),
  emotion: z.enum(['anger', 'anxiety', 'sadness', 'none']),
  intensity: z.number().min(0).max(1),
  complaint: z.boolean(),
  domain: z.string().min(1),
  kind: z.string().min(1),
});
export type LabelledExample = z.infer<typeof Example> & { locale: Locale };

let cache: LabelledExample[] | undefined;

/** Every labelled example shipped with the project, one file per locale (`zh-CN.jsonl` ...). */
export function loadLabelled(dir = LABELLED_DIR): LabelledExample[] {
  if (dir === LABELLED_DIR && cache) return cache;
  const out: LabelledExample[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const locale = file.replace(/\.jsonl$/, '') as Locale;
    if (!LOCALES.includes(locale)) continue;
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          throw new AppError('CONFIG_INVALID', `${file}:${i + 1}: not valid JSON`);
        }
        const parsed = Example.safeParse(value);
        if (!parsed.success) throw new AppError('CONFIG_INVALID', `${file}:${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid example'}`);
        out.push({ ...parsed.data, locale });
      });
  }
  if (dir === LABELLED_DIR) cache = out;
  return out;
}
