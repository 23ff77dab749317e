/**
 * Feature id → dense index, as an open-addressing table over one typed array: a slot is a key and its value
 * side by side, so a lookup touches one cache line. Looked up a hundred times per message, where a Map costs
 * several times more.
 */
export class IntIndex {
  /** Slot i: key at 2i, value at 2i + 1 (-1 when the slot is free). */
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = IntIndex.empty(capacity);
    this.mask = capacity - 1;
  }

  private static empty(capacity: number): Int32Array {
    const slots = new Int32Array(capacity * 2);
    for (let i = 1; i < slots.length; i += 2) slots[i] = -1;
    return slots;
  }

  /** Where `key` is, or the free slot where it would go (times two: the key's position in `slots`). */
  private slot(key: number): number {
    const { slots, mask } = this;
    let i = Math.imul(key, 0x9e3779b1) & mask;
    while (slots[2 * i + 1] !== -1 && slots[2 * i] !== key) i = (i + 1) & mask;
    return 2 * i;
  }

  /** The index of `key`, adding it with the next free index when new. */
  add(key: number): number {
    let at = this.slot(key);
    if (this.slots[at + 1] === -1) {
      if ((this.size + 1) * 2 > this.mask + 1) {
        this.grow();
        at = this.slot(key);
      }
      this.slots[at] = key;
      this.slots[at + 1] = this.size++;
    }
    return this.slots[at + 1]!;
  }

  /** The index of `key`, or -1. */
  get(key: number): number {
    return this.slots[this.slot(key) + 1]!;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = IntIndex.empty(old.length);
    this.mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] !== -1) {
        const at = this.slot(old[i]!);
        this.slots[at] = old[i]!;
        this.slots[at + 1] = old[i + 1]!;
      }
    }
  }
}
