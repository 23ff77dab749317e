/**
 * Feature id → dense index, as an open-addressing table over typed arrays. Looked up a few hundred times
 * per message, where a Map costs several times more.
 */
export class IntIndex {
  private keys: Int32Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Int32Array(capacity);
    this.values = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  private slot(key: number): number {
    let i = Math.imul(key, 0x9e3779b1) & this.mask;
    while (this.values[i] !== -1 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The index of `key`, adding it with the next free index when new. */
  add(key: number): number {
    let i = this.slot(key);
    if (this.values[i] === -1) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.values[i] = this.size++;
    }
    return this.values[i]!;
  }

  /** The index of `key`, or -1. */
  get(key: number): number {
    return this.values[this.slot(key)]!;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Int32Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2).fill(-1);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (values[i] !== -1) {
        const j = this.slot(keys[i]!);
        this.keys[j] = keys[i]!;
        this.values[j] = values[i]!;
      }
    }
  }
}
