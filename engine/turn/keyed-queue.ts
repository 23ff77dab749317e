/**
 * Runs tasks one at a time per key, in the order they were queued, and different keys in parallel.
 * This is what keeps two messages from one customer from interleaving inside one process.
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<void>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    /** Resolves when every task queued so far has finished (used by graceful shutdown). */
    async idle(): Promise<void> {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
    get size() {
      return tails.size;
    },
  };
}
export type KeyedQueue = ReturnType<typeof createKeyedQueue>;
