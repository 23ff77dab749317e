import type { Logger } from 'pino';
import type { ChannelAdapter, ChannelDefinition } from './channels.ts';
import type { Store } from './store.ts';
import { isAppError } from './errors.ts';

/**
 * Builds every channel whose variables are set. A channel with missing or malformed credentials is
 * reported (the variable's name, never its value) and stays off; the others start.
 */
export function enableChannels(
  definitions: readonly ChannelDefinition[],
  env: Readonly<Record<string, string | undefined>>,
  deps: { store: Store; log: Logger; now: () => Date },
): { channels: ChannelAdapter[]; problems: Array<{ channel: string; message: string }> } {
  const channels: ChannelAdapter[] = [];
  const problems: Array<{ channel: string; message: string }> = [];
  const kv = { get: (k: string) => deps.store.getValue(k), set: (k: string, v: string, ttl?: number) => deps.store.setValue(k, v, ttl) };
  for (const def of definitions) {
    if (!def.env.some((name) => env[name])) continue;
    try {
      channels.push(def.create(env, { kv, log: deps.log.child({ channel: def.name }), now: deps.now }));
    } catch (err) {
      const message = isAppError(err, 'CONFIG_INVALID') ? err.message : `could not start: ${err instanceof Error ? err.message : String(err)}`;
      problems.push({ channel: def.name, message });
      deps.log.error({ channel: def.name, problem: message }, 'channel left off: fix its settings');
    }
  }
  return { channels, problems };
}
