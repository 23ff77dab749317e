import { describe, expect, it } from 'vitest';
import { harness, TICKET_RE } from '../helpers/harness.ts';

// DOMAIN.md §5: a customer who argues from rules and records gets facts with their basis; an upset one gets
// soothing first and short questions. The same intake, told three ways.
/** The steps after the demand, the same for every customer here. */
const TO_THE_END: Array<[string, RegExp]> = [
  ['3301234567', /phone number/i],
  ['13912345678', /keep you updated/i],
  ['by text message', /correct\?/],
  ['yes', TICKET_RE],
];

describe('customer types', () => {
  it('a rational customer, citing the contract and figures, is told the basis of the deadlines', async () => {
    const h = harness();
    const done = await h.script('ct1', [
      ['According to my contract the tiered tariff applies per month, but my October bill charged 356.40 yuan at the third tier, which is wrong', /when did this happen, or when did it start\? \(for example/i],
      ['last month', /what would you like us to do about it/i],
      ['Recalculate the bill', /customer number/i],
      ...TO_THE_END,
    ]);
    expect(done.replies.map((r) => r.text).join('\n')).toMatch(/basis: under our complaint rules, complaints graded Ordinary get a first response within 24 hours and a resolution within 3 working days/);
  });

  it('an upset customer is soothed first, then asked short questions', async () => {
    const h = harness();
    const first = await h.say('ct2', '停电一整天了，我真的很着急，家里还有老人');
    const text = first.replies.map((r) => r.text).join('\n');
    expect(text).toMatch(/^我理解您现在|^请您别太担心|^我明白您现在/);
    expect(text).toMatch(/什么时候发生的？$/);
    expect(text).not.toMatch(/比如“昨天晚上8点”/);
    const next = await h.say('ct2', '今天早上六点');
    expect(next.replies.at(-1)!.text).toBe('您希望怎么处理？');
  });

  it('a calm, plain customer gets the full questions and no basis paragraph', async () => {
    const h = harness();
    const done = await h.script('ct3', [
      ['My electricity bill looks higher than usual this month', /for example/i],
      ['last week', /what would you like us to do about it/i],
      ['An explanation', /customer number/i],
      ...TO_THE_END,
    ]);
    expect(done.replies.map((r) => r.text).join('\n')).not.toMatch(/basis/i);
  });
});
