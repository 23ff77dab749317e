import { describe, expect, it } from 'vitest';
import { empathyOpening } from '../../flows/empathy.ts';
import type { DialogState, FlowInput } from '../../flows/types.ts';
import { createUnderstander } from '../../engine/understand/index.ts';
import { createRenderer } from '../../engine/i18n.ts';
import { pack } from '../helpers/harness.ts';

const p = pack();
const understand = createUnderstander(p);
const render = createRenderer(p);
const input = (text: string): FlowInput => ({
  text,
  understanding: understand(text),
  now: '2026-11-24T02:00:00Z',
  pack: p,
  customer: { tags: [], complaintTimes: [] },
  openTickets: [],
  newTicketId: 'PU-20261124-TEST01',
  deadlines: () => ({ respondBy: '2026-11-25T02:00:00Z', resolveBy: '2026-11-27T02:00:00Z' }),
});
const fresh: DialogState = { status: 'bot', locale: 'en', active: null, misunderstood: 0 };
const keyOf = (r: ReturnType<typeof empathyOpening>) => (r.effects[0] as { reply: { key: string } }).reply.key;

describe('empathy openings', () => {
  it('do not repeat a wording within a conversation while another is left', () => {
    const furious = input('This is the third outage this week and nobody warned us, I am absolutely furious!!');
    let state = fresh;
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = empathyOpening(state, furious, 'outage_no_notice');
      keys.push(keyOf(r));
      state = { ...state, said: r.said };
    }
    expect(keys.slice(0, 3)).toEqual(['empathy.anger.strong.1', 'empathy.anger.strong.2', 'empathy.anger.strong.3']);
    expect(keys[3]).toBe('empathy.anger.strong.1');
  });

  it('match strength: a light touch for mild annoyance, a fuller one for fury; none for a calm message', () => {
    expect(keyOf(empathyOpening(fresh, input("I'm annoyed that my bill went up"), 'billing_error'))).toMatch(/^empathy\.anger\.mild\./);
    expect(keyOf(empathyOpening(fresh, input('I am FURIOUS, the bill doubled again!!!'), 'billing_error'))).toMatch(/^empathy\.anger\.strong\./);
    expect(empathyOpening(fresh, input('How do I read my meter?'), undefined).effects).toEqual([]);
  });

  it('every wording names the problem, in every locale', () => {
    for (const locale of ['en', 'zh-CN', 'zh-TW'] as const) {
      for (const feeling of ['anger', 'anxiety', 'sadness']) {
        for (const strength of ['mild', 'strong']) {
          for (const n of [1, 2, 3]) {
            const text = render({ key: `empathy.${feeling}.${strength}.${n}`, params: { problem: 'PROBLEM' } }, locale).text;
            expect(text, `${locale} ${feeling}.${strength}.${n}`).toContain('PROBLEM');
          }
        }
      }
    }
  });
});

describe('empathy names the specific problem', () => {
  it('every category of every pack has a phrase for it in every locale', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { BOTS_DIR } = await import('../../engine/packs/load.ts');
    const { PROJECT_ROOT } = await import('../../engine/paths.ts');
    const phrases = (locale: string) =>
      (JSON.parse(readFileSync(join(PROJECT_ROOT, 'locales', `${locale}.json`), 'utf8')) as { empathy: { problem: Record<string, string> } }).empathy.problem;
    const ids = readdirSync(BOTS_DIR).flatMap((name) => pack(name).categories.map((c) => c.id)).filter((id) => id !== 'other');
    for (const locale of ['en', 'zh-CN', 'zh-TW']) {
      expect(ids.filter((id) => !phrases(locale)[id]), locale).toEqual([]);
    }
  });

  it('a billing complaint hears about "a bill that is wrong", not a category label', () => {
    const r = empathyOpening(fresh, input('My bill is wrong again and I am really angry about it!!'), 'billing_error');
    const effect = r.effects[0]!;
    if (effect.type !== 'reply') throw new Error('expected a reply');
    const text = render(effect.reply, 'en').text;
    expect(text).toMatch(/a bill that is wrong/);
    expect(text).not.toMatch(/Billing error/);
  });
});
