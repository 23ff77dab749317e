import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../engine/paths.ts';
import { BOTS_DIR } from '../../engine/packs/load.ts';
import { normalize } from '../../engine/understand/text.ts';

// DOMAIN.md §5: phrasings that precede most escalations, and dismissive wording of the same kind. Checked
// on normalised text (lower case, simplified script), so one zh pattern covers zh-CN and zh-TW wording.
const FORBIDDEN: Array<[string, RegExp]> = [
  ['rules are rules', /规定就是(这样|规定)|这是(公司的?)?规定|按规定(我们)?(就是)?(没办法|不能)|rules are rules|that'?s (the|our) (rule|policy)|it'?s (company )?policy, (i|we) can'?t/],
  ['read the contract yourself', /(你|您)自己(去)?看(一下)?(合同|条款|协议)|(自己|自行)(查看|阅读)合同|read (the|your) (contract|terms)( and conditions)? yourself|it'?s (all )?in (the|your) contract/],
  ['not my department', /(这|那)(个)?不(是|归)(我|我们)(负责|管|部门)|不归(我|我们)管|不关(我|我们)的事|not my (department|job|problem|responsibility)|not (our|my) department|nothing to do with (me|us)/],
  ['go to another department', /(你|您)(应该|得|要)?(去)?找(别的|其他|其它)部门|找别人(去)?吧|go to (another|a different) department|contact (another|some other) department|you('ll| will)? (have|need) to ask someone else/],
  ['dismissive', /(没|沒)办法[,，。!！]*$|爱(投诉|怎么样)就|随便(你|您)|你(自己)?看着办|那是你的问题|(it'?s|that'?s) your (problem|fault)|(just|you('ll| will)? (have|need) to) deal with it|calm down|there'?s nothing (we|i) can do|you should have read|too bad/],
];

/** Every string a customer can see: locale resources, and each pack's texts (labels, questions asked, FAQ answers). */
function customerStrings(): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  const walk = (value: unknown, where: string) => {
    if (typeof value === 'string') out.push({ where, text: value });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
  };
  const localeDir = join(PROJECT_ROOT, 'locales');
  for (const f of readdirSync(localeDir).filter((x) => x.endsWith('.json'))) walk(JSON.parse(readFileSync(join(localeDir, f), 'utf8')), `locales/${f}`);
  for (const pack of readdirSync(BOTS_DIR)) {
    const dir = join(BOTS_DIR, pack);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as unknown;
      // Customers' own words (example phrasings, keywords, FAQ questions) may well be rude: only what the bot says counts.
      const said = f.startsWith('faq.')
        ? (doc as Array<{ id: string; answer: string }>).map((e) => ({ id: e.id, answer: e.answer }))
        : stripCustomerWords(doc);
      walk(said, `bots/${pack}/${f}`);
    }
  }
  return out;
}

function stripCustomerWords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripCustomerWords);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !['examples', 'keywords', 'terms', 'cues', 'riskKeywords', 'questions'].includes(k))
        .map(([k, v]) => [k, stripCustomerWords(v)]),
    );
  }
  return value;
}

describe('phrases never said (DOMAIN.md §5)', () => {
  const strings = customerStrings();

  it('reads the customer-facing strings of every locale and every pack', () => {
    const sources = new Set(strings.map((s) => s.where.split(/[.[]/)[0]));
    expect([...sources].filter((s) => s!.startsWith('locales/')).length).toBeGreaterThanOrEqual(3);
    expect(strings.length).toBeGreaterThan(300);
  });

  it.each(FORBIDDEN)('no string says "%s" or the like', (_name, pattern) => {
    const offending = strings.filter((s) => pattern.test(normalize(s.text))).map((s) => `${s.where}: ${s.text}`);
    expect(offending).toEqual([]);
  });

  it('the check itself catches the phrasings it is meant to catch', () => {
    for (const bad of ['规定就是这样，没办法', '這不是我負責的', '您應該找別的部門', '你自己看合同', 'Rules are rules.', "That's not my department.", 'Please read the contract yourself', 'Go to another department']) {
      expect(FORBIDDEN.some(([, p]) => p.test(normalize(bad))), bad).toBe(true);
    }
    for (const fine of ['我们可以在周三前为您处理好', 'We can fix this by Wednesday', '我来帮您联系负责的同事，今天内给您回电']) {
      expect(FORBIDDEN.some(([, p]) => p.test(normalize(fine))), fine).toBe(false);
    }
  });
});
