import { describe, expect, it } from 'vitest';
import { normalize } from '../../engine/understand/text.ts';
import { FORBIDDEN, customerStrings } from '../helpers/customer-text.ts';

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
