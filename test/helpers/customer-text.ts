import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../engine/paths.ts';
import { BOTS_DIR } from '../../engine/packs/load.ts';

// DOMAIN.md §5: phrasings that precede most escalations, and dismissive wording of the same kind. Checked
// on normalised text (lower case, simplified script), so one zh pattern covers zh-CN and zh-TW wording.
export const FORBIDDEN: Array<[string, RegExp]> = [
  ['rules are rules', /规定就是(这样|规定)|这是(公司的?)?规定|按规定(我们)?(就是)?(没办法|不能)|rules are rules|that'?s (the|our) (rule|policy)|it'?s (company )?policy, (i|we) can'?t/],
  ['read the contract yourself', /(你|您)自己(去)?看(一下)?(合同|条款|协议)|(自己|自行)(查看|阅读)合同|read (the|your) (contract|terms)( and conditions)? yourself|it'?s (all )?in (the|your) contract/],
  ['not my department', /(这|那)(个)?不(是|归)(我|我们)(负责|管|部门)|不归(我|我们)管|不关(我|我们)的事|not my (department|job|problem|responsibility)|not (our|my) department|nothing to do with (me|us)/],
  ['go to another department', /(你|您)(应该|得|要)?(去)?找(别的|其他|其它)部门|找别人(去)?吧|go to (another|a different) department|contact (another|some other) department|you('ll| will)? (have|need) to ask someone else/],
  ['dismissive', /(没|沒)办法[,，。!！]*$|爱(投诉|怎么样)就|随便(你|您)|你(自己)?看着办|那是你的问题|(it'?s|that'?s) your (problem|fault)|(just|you('ll| will)? (have|need) to) deal with it|calm down|there'?s nothing (we|i) can do|you should have read|too bad/],
];

export interface CustomerString {
  where: string;
  text: string;
}

/** Every string a customer can see: locale resources, and each pack's texts (labels, questions asked, FAQ answers). */
export function customerStrings(): CustomerString[] {
  const out: CustomerString[] = [];
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
