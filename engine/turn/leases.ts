/**
 * Cross-instance ownership of one conversation while a turn runs. Inside one process the keyed queue
 * already orders turns; with several instances on one store, a lease makes the turns of a conversation
 * run one at a time, first come first served. The store's version check on the conversation is the
 * fence: a holder whose lease ran out (a long GC pause) cannot overwrite what the next holder wrote.
 */
export interface Leases {
  /**
   * Waits its turn for `key` and holds it until `release`. Throws AppError UNAVAILABLE when the wait
   * passes `waitMs` (the caller answers 503 and the channel redelivers). A holder that dies keeps the
   * key at most `ttlMs`.
   */
  acquire(key: string): Promise<Lease>;
  close(): Promise<void>;
}

export interface Lease {
  release(): Promise<void>;
}
