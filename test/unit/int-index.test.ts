import { describe, expect, it } from 'vitest';
import { IntIndex } from '../../engine/understand/int-index.ts';

describe('IntIndex', () => {
  it('numbers keys in the order they are added, finds them again after growing, and knows unknown keys', () => {
    const index = new IntIndex(4);
    // Negative, zero and colliding keys among many: the table grows several times on the way.
    const keys = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? -i : Math.imul(i, 0x10000)));
    keys.forEach((k, i) => expect(index.add(k)).toBe(i));
    expect(index.size).toBe(keys.length);
    keys.forEach((k, i) => expect(index.get(k)).toBe(i));
    // Adding a known key again changes nothing.
    expect(index.add(keys[42]!)).toBe(42);
    expect(index.size).toBe(keys.length);
    expect(index.get(123_456_789)).toBe(-1);
  });
});
