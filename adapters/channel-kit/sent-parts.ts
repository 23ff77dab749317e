import type { ChannelDeps } from '../../engine/channels.ts';

const KEEP_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * Which parts of one outbox entry already went out, kept in the shared store for two days. Few platforms
 * take an idempotency key, so when a long text fails halfway the retry sends only the parts that are
 * missing. Without an effect id (a send outside the outbox) nothing is remembered. A store that does not
 * answer never blocks a send: at worst a part goes twice.
 */
export function sentParts(deps: Pick<ChannelDeps, 'kv' | 'log'>, scope: string, effectId: string | undefined) {
  const key = (i: number) => (effectId ? `${scope}:sent:${effectId}:${i}` : undefined);
  return {
    async done(i: number): Promise<boolean> {
      const k = key(i);
      if (!k) return false;
      try {
        return (await deps.kv.get(k)) !== null;
      } catch {
        return false;
      }
    },
    async mark(i: number, receipt = '1'): Promise<void> {
      const k = key(i);
      if (!k) return;
      try {
        await deps.kv.set(k, receipt, KEEP_MS);
      } catch (err) {
        deps.log.warn({ err: (err as Error).message, scope }, 'could not record a sent part');
      }
    },
  };
}
