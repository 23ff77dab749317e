import { expect } from 'vitest';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine.ts';
import { loadPack } from '../../engine/packs/load.ts';
import { createMemoryStore } from '../../adapters/store/memory/memory-store.ts';
import { silentLogger } from '../../engine/log.ts';
import type { Store } from '../../engine/store.ts';
import type { OutboundMessage } from '../../engine/domain.ts';
import type { SendContext } from '../../engine/channels.ts';
import type { Pack } from '../../engine/packs/schema.ts';

/** Tuesday 24 Nov 2026, 10:00 in Shanghai: inside working hours. */
export const TUESDAY_10AM = '2026-11-24T02:00:00.000Z';

export interface Sent {
  to: string;
  message: OutboundMessage;
  ctx: SendContext;
}

const packs = new Map<string, Pack>();
export function pack(name = 'power-utility'): Pack {
  if (!packs.has(name)) packs.set(name, loadPack(name));
  return packs.get(name)!;
}

export interface Harness {
  engine: Engine;
  store: Store;
  sent: Sent[];
  clock: { now: Date };
  say(user: string, text: string, opts?: { messageId?: string; locale?: 'zh-CN' | 'zh-TW' | 'en' }): ReturnType<Engine['handle']>;
  /** Says each line and checks the joined reply text against each pattern. Returns the last result. */
  script(user: string, steps: Array<[string, RegExp | null]>): Promise<Awaited<ReturnType<Engine['handle']>>>;
}

let seq = 0;
export function harness(options: Partial<EngineOptions> & { store?: Store; at?: string } = {}): Harness {
  const sent: Sent[] = [];
  const clock = { now: new Date(options.at ?? TUESDAY_10AM) };
  const store = options.store ?? createMemoryStore();
  const engine = createEngine({
    pack: pack(),
    log: silentLogger(),
    retryEveryMs: 0,
    jobEveryMs: 0,
    now: () => clock.now,
    channels: [{ name: 'test', send: async (to, message, ctx) => void sent.push({ to, message, ctx }) }],
    ...options,
    store,
  });
  const say: Harness['say'] = (user, text, opts = {}) =>
    engine.handle({
      channel: 'test',
      channelUserId: user,
      text,
      messageId: opts.messageId ?? `m${++seq}`,
      timestamp: clock.now.toISOString(),
      ...(opts.locale ? { localeHint: opts.locale } : {}),
    });
  return {
    engine,
    store,
    sent,
    clock,
    say,
    async script(user, steps) {
      let last: Awaited<ReturnType<Engine['handle']>> | undefined;
      for (const [text, expected] of steps) {
        last = await say(user, text);
        const joined = last.replies.map((r) => r.text).join('\n');
        if (expected) expect(joined, `reply to "${text}"`).toMatch(expected);
      }
      return last!;
    },
  };
}

export const TICKET_RE = /PU-\d{8}-[0-9A-Z]{6}/;

/**
 * An urgent outage complaint in English through to its ticket (power-utility), updates by `updates`
 * ("Here in this chat", "By text message", or "2"); without a phone it stops where the phone is asked.
 */
export async function fileOutage(h: Harness, user: string, o: { phone?: boolean; updates?: string } = {}) {
  const steps: Array<[string, RegExp | null]> = [
    ['My power went out yesterday at 8pm and nobody told us about any planned outage', /what would you like us to do/i],
    ['I want an explanation and the power back', /customer number/i],
    ['1234567890', /phone number/i],
  ];
  if (o.phone !== false) steps.push(['+44 7700 900123', /keep you updated/i], [o.updates ?? 'Here in this chat', /correct\?/], ['yes', TICKET_RE]);
  return h.script(user, steps);
}
