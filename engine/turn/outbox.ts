import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { OutboxEntry } from '../domain.ts';
import type { Store } from '../store.ts';
import type { ChannelAdapter } from '../channels.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { isAppError } from '../errors.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';

export interface OutboxOptions {
  store: Store;
  channels: ReadonlyMap<string, ChannelAdapter>;
  log: Logger;
  now: () => Date;
  events: EventEmitter;
  /** Absent in a process that runs no scheduler: its schedule entries wait for one that does. */
  scheduler?: Scheduler;
  /** A send the channel refused for good (AppError UNREACHABLE): not retried; the engine records it. */
  onUnreachable?: (entry: Extract<OutboxEntry, { kind: 'send' }>) => Promise<void>;
  limiter?: RateLimiter;
}

/** Waits this long in place for a sending slot; a longer wait goes back to the store for later. */
const MAX_INLINE_WAIT_MS = 1000;

const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * Executes committed effects. Entries leave the store only once done, so a crash between commit and
 * execution is healed by `drain()` on the next start; failures are retried with backoff, never dropped.
 */
export function createOutbox(o: OutboxOptions) {
  const inFlight = new Set<string>();
  const limiter = o.limiter ?? createRateLimiter();

  /** 0 when the entry may go now; else how long until the channel's limits allow it. */
  async function slot(entry: OutboxEntry): Promise<number> {
    if (entry.kind !== 'send') return 0;
    const rate = o.channels.get(entry.channel)?.capabilities?.rate;
    if (!rate) return 0;
    // A limiter that does not answer (Redis unreachable) holds the message back for 5 s: neither over
    // the platform's limits nor stuck in flight.
    const reserve = () =>
      limiter.reserve(entry.channel, entry.channelUserId, rate).catch((err: unknown) => {
        o.log.warn({ err, effect: entry.id, channel: entry.channel }, 'rate limiter failed; the message waits');
        return 5000;
      });
    let wait = await reserve();
    if (wait > 0 && wait <= MAX_INLINE_WAIT_MS) {
      await new Promise((r) => setTimeout(r, wait));
      wait = await reserve();
    }
    return wait;
  }

  async function execute(entry: OutboxEntry, live: boolean): Promise<void> {
    if (entry.kind === 'event') {
      o.events.emit(entry.name, entry.data);
      return;
    }
    if (entry.kind === 'schedule') {
      if (!o.scheduler) throw new Error('no scheduler in this process');
      for (const id of entry.cancel ?? []) await o.scheduler.cancel(id);
      for (const job of entry.jobs) await o.scheduler.schedule(job.id, job.runAt, job.payload);
      return;
    }
    const channel = o.channels.get(entry.channel);
    if (!channel) throw new Error(`no channel adapter "${entry.channel}" is enabled`);
    if (entry.kind === 'handoff') {
      await channel.handOff?.(entry.channelUserId, entry.contact);
      return;
    }
    await channel.send(entry.channelUserId, entry.message, {
      conversationId: entry.conversationId,
      mode: entry.mode,
      live,
      n: entry.n,
      effectId: entry.id,
      ...(entry.locale ? { locale: entry.locale } : {}),
      ...(entry.template ? { template: true } : {}),
      ...(entry.contact ? { contact: entry.contact } : {}),
    });
  }

  const runsHere = (e: OutboxEntry) => (e.kind === 'event' ? true : e.kind === 'schedule' ? o.scheduler !== undefined : o.channels.has(e.channel));

  async function run(entries: OutboxEntry[], live: boolean): Promise<void> {
    // Sends go out one by one, in order; their settlements are written together (one batch, one fsync).
    const settled: Array<Promise<void>> = [];
    // A customer's later messages wait behind one held back by the rate limit or a failure, so they keep their order.
    const held = new Map<string, string>();
    for (const entry of entries) {
      if (inFlight.has(entry.id)) continue;
      inFlight.add(entry.id);
      let outcome: { done: true } | { done: false; retryAt: string };
      // A hand-off to the platform's agents also waits: it must not overtake the replies before it.
      const who = entry.kind === 'send' || entry.kind === 'handoff' ? `${entry.channel}\u0000${entry.channelUserId}` : '';
      const behind = held.get(who);
      const wait = behind ? 0 : await slot(entry);
      if (behind || wait > 0) {
        // Over the platform's rate: kept in the store and sent when the limit allows, never dropped.
        const retryAt = behind ?? new Date(o.now().getTime() + wait).toISOString();
        if (who) held.set(who, retryAt);
        settled.push(o.store.settleEffect(entry.id, { done: false, retryAt }).finally(() => inFlight.delete(entry.id)));
        continue;
      }
      try {
        await execute(entry, live);
        outcome = { done: true };
      } catch (err) {
        if (isAppError(err, 'UNREACHABLE') && entry.kind === 'send') {
          await o.onUnreachable?.(entry).catch((e: unknown) => o.log.error({ err: e }, 'could not record an unreachable customer'));
          settled.push(o.store.settleEffect(entry.id, { done: true }).finally(() => inFlight.delete(entry.id)));
          continue;
        }
        // A platform that said when to come back (Retry-After) is believed; otherwise back off exponentially.
        const hinted = (err as { retryAfterMs?: unknown }).retryAfterMs;
        const delay = typeof hinted === 'number' && hinted > 0 ? Math.min(MAX_BACKOFF_MS, hinted) : Math.min(MAX_BACKOFF_MS, 2000 * 2 ** entry.attempts);
        o.log.warn({ err, effect: entry.id, kind: entry.kind, attempts: entry.attempts + 1 }, 'effect failed; will retry');
        outcome = { done: false, retryAt: new Date(o.now().getTime() + delay).toISOString() };
        // What comes after it for this customer waits for its retry, so it cannot arrive out of order.
        if (who) held.set(who, outcome.retryAt);
      }
      settled.push(o.store.settleEffect(entry.id, outcome).finally(() => inFlight.delete(entry.id)));
    }
    await Promise.all(settled);
  }

  /**
   * Runs everything due: on start-up (recovering a crash) and periodically (retries). Sends for a channel
   * this process does not run (the terminal chat beside a server) are left for the process that does.
   */
  async function drain(): Promise<number> {
    let total = 0;
    for (let page = 0; page < 100; page++) {
      const due = await o.store.pendingEffects(o.now().toISOString(), 200);
      const runnable = due.filter((e) => !inFlight.has(e.id) && runsHere(e));
      if (runnable.length > 0) await run(runnable, false);
      total += runnable.length;
      if (due.length < 200 || runnable.length < due.length) return total;
    }
    return total;
  }

  return { run, drain, get inFlight() { return inFlight.size; } };
}
export type Outbox = ReturnType<typeof createOutbox>;
