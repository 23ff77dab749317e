import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResources } from '../../engine/i18n.ts';
import { LOCALES } from '../../engine/packs/schema.ts';
import { PROJECT_ROOT } from '../../engine/paths.ts';

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object') Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = String(v);
  }
  return out;
}

/** Every message key the flows and engine name literally: `say('x.y')`, `t('x.y')`, `render.text('x.y')`. */
function keysUsedInCode(): Set<string> {
  const keys = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const src = readFileSync(path, 'utf8');
        for (const m of src.matchAll(/\b(?:say|t|text)\(\s*'([a-z_]+(?:\.[a-z_]+)+)'/g)) keys.add(m[1]!);
      }
    }
  };
  walk(join(PROJECT_ROOT, 'flows'));
  walk(join(PROJECT_ROOT, 'engine'));
  return keys;
}

describe('locales', () => {
  const resources = loadResources();
  const flat = Object.fromEntries(LOCALES.map((l) => [l, flatten(resources[l])]));

  it('every locale has exactly the same keys and placeholders', () => {
    const en = flat.en!;
    for (const locale of LOCALES) {
      expect(Object.keys(flat[locale]!).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(en)) {
        const names = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        expect(names(flat[locale]![key]!), `${locale} ${key}`).toEqual(names(value));
      }
    }
  });

  it('every key the code uses exists', () => {
    const used = keysUsedInCode();
    expect(used.size).toBeGreaterThan(20);
    for (const key of used) expect(flat.en, key).toHaveProperty([key]);
  });

  it('zh-TW is written in traditional characters', () => {
    const text = Object.values(flat['zh-TW']!).join('');
    expect(text).not.toMatch(/[这个们为么说时电费号话没请错问题员态应该给单来对会发现点从后过经开关与让实当报账户码钱价买卖]/);
  });
});
