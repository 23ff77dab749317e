import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ChannelAdapter, InboundMessage } from './channels.ts';
import type { Commit, TurnRecord } from './domain.ts';
import type { Pack } from './packs/schema.ts';
import type { Store } from './store.ts';
import { AppError, isAppError } from './errors.ts';
import { createRenderer, type Renderer } from './i18n.ts';
import { createUnderstander, type Understand } from './understand/index.ts';
import type { SentenceEncoder } from './understand/sentence-encoder.ts';
import { createKeyedQueue } from './turn/keyed-queue.ts';
import { orderedId } from './ids.ts';
import { createOutbox } from './turn/outbox.ts';
import { commitTurn } from './turn/pipeline.ts';
import * as agent from './agent-actions.ts';
import type { AgentEventType } from './tickets/lifecycle.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import { createJobRunner } from './scheduler/runner.ts';
import type { Leases } from './turn/leases.ts';
import { routePush } from './turn/delivery.ts';
import type { RateLimiter } from './turn/rate-limit.ts';
import type { ChannelEvent, WebhookResult } from './channels.ts';
import type { OutboxEntry } from './domain.ts';

export interface EngineOptions {
  pack: Pack;
  store: Store;
  log: Logger;
  channels?: ChannelAdapter[];
  now?: () => Date;
  understand?: Understand;
  /** Where learned FAQ models are saved between starts (see understand/model-cache.ts); none by default. */
  modelCache?: string | false;
  /** For a large English FAQ (see `encoderFor`): the sentence encoder it learns with. */
  encoder?: SentenceEncoder | undefined;
  /** How often failed effects are retried, in ms; 0 turns the timer off (tests drive `drain`). */
  retryEveryMs?: number;
  /** Deadline alarms (and later callbacks). Without one, schedule effects wait for a process that has one. */
  scheduler?: Scheduler;
  /** How often due jobs are claimed, in ms; 0 turns the timer off (tests drive `runJobs`). */
  jobEveryMs?: number;
  /** Cross-instance conversation ownership; needed when several instances share one store. */
  leases?: Leases;
  /** The channels' sending limits: kept in this process unless given (the service gives Redis's, shared by all instances); tests give one on their own clock. */
  limiter?: RateLimiter;
  /** The SMS channel that carries later messages a customer's own channel refuses (to their phone). */
  smsFallback?: string;
  /** Test seam: called after a turn is committed and before its effects run. */
  afterCommit?: (commit: TurnRecord) => void | Promise<void>;
}

export interface TurnResult extends TurnRecord {
  duplicate: boolean;
}

/** Joins pack, store, understanding, flows and channels. One per process; stateless apart from the queue. */
export function createEngine(o: EngineOptions) {
  const now = o.now ?? (() => new Date());
  const channels = new Map((o.channels ?? []).map((c) => [c.name, c]));
  const render: Renderer = createRenderer(o.pack);
  const understand = o.understand ?? createUnderstander(o.pack, { modelCache: o.modelCache ?? false, encoder: o.encoder });
  const events = new EventEmitter();
  // The agent queue's heartbeat in the log: ids and reasons only, never what the customer wrote.
  events.on('handoff', (d: { conversationId: string; reason: string; ticketId: string | null }) => o.log.info(d, 'conversation handed to the human queue'));
  events.on('ticket_created', (d: { ticketId: string; grade: string; category: string }) => o.log.info(d, 'ticket filed'));
  const queue = createKeyedQueue();
  const outbox = createOutbox({
    store: o.store,
    channels,
    log: o.log,
    now,
    events,
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    onUnreachable: (entry) => unreachable(entry),
    ...(o.limiter ? { limiter: o.limiter } : {}),
  });
  const routeDeps = { channels, now, ...(o.smsFallback ? { smsFallback: o.smsFallback } : {}) };
  const deps = {
    pack: o.pack,
    store: o.store,
    understand,
    render,
    now,
    ...(o.smsFallback ? { smsChannel: o.smsFallback } : {}),
    route: async (conv: Parameters<typeof routePush>[0], prefer?: 'sms') => routePush(conv, await o.store.getCustomer(conv.customerId), routeDeps, prefer),
  };
  const jobs = o.scheduler ? createJobRunner({ pack: o.pack, store: o.store, scheduler: o.scheduler, log: o.log, now }) : undefined;
  events.on('ticket_escalated', (d: { ticketId: string; level: number }) => o.log.info(d, 'ticket escalated'));
  let timer: NodeJS.Timeout | undefined;
  let jobTimer: NodeJS.Timeout | undefined;
  let accepting = true;

  const userKey = (channel: string, channelUserId: string) => `${channel}:${channelUserId}`;

  /** Records on the conversation what a channel said about reaching its customer. */
  async function setReachability(channel: string, channelUserId: string, unreachable: 'opted_out' | 'opted_in' | 'blocked' | 'gone', at: string): Promise<void> {
    await exclusive(userKey(channel, channelUserId), async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const conv = await o.store.findConversation(channel, channelUserId);
        if (!conv) return;
        const contact = { ...(conv.contact ?? { sentSinceInbound: 0 }) };
        if (unreachable === 'opted_in') delete contact.unreachable;
        else contact.unreachable = { reason: unreachable === 'opted_out' ? 'opted_out' : unreachable === 'blocked' ? 'blocked' : 'gone', at };
        try {
          await o.store.commit({ conversation: { value: { ...conv, contact, updatedAt: at }, expectedVersion: conv.version } });
          return;
        } catch (err) {
          if (!isAppError(err, 'CONFLICT')) throw err;
        }
      }
    });
  }

  /**
   * A send the channel refused for good (blocked, opted out): the conversation remembers it, the ticket's
   * timeline says so, and the message itself goes by the fallback route (SMS to the phone on file) when
   * there is one. Runs in the conversation's queue, after the turn whose send failed.
   */
  async function unreachable(entry: Extract<OutboxEntry, { kind: 'send' }>): Promise<void> {
    o.log.warn({ channel: entry.channel, conversationId: entry.conversationId }, 'customer unreachable on this channel');
    const first = await o.store.getConversation(entry.conversationId);
    if (!first) return;
    // Not awaited: the send may be running inside this conversation's own turn, which holds its queue.
    void exclusive(userKey(first.channel, first.channelUserId), async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const conv = await o.store.getConversation(entry.conversationId);
        if (!conv) return;
        const at = now().toISOString();
        const ownChannel = conv.channel === entry.channel;
        const contact = ownChannel ? { ...(conv.contact ?? { sentSinceInbound: 0 }), unreachable: { reason: 'blocked' as const, at } } : conv.contact;
        const updated = { ...conv, ...(contact ? { contact } : {}), updatedAt: at };
        const route = ownChannel ? routePush(updated, await o.store.getCustomer(conv.customerId), routeDeps) : { undelivered: `${entry.channel}: refused` };
        const effects: OutboxEntry[] = 'channel' in route ? [{ ...entry, id: orderedId('ob'), channel: route.channel, channelUserId: route.channelUserId, template: true, attempts: 0, createdAt: at, notBefore: at }] : [];
        if ('channel' in route) delete (effects[0] as { contact?: unknown }).contact;
        const commit: Commit = { conversation: { value: updated, expectedVersion: conv.version }, effects };
        const ticket = conv.dialog.ticketId ? await o.store.getTicket(conv.dialog.ticketId) : null;
        if (ticket) {
          const note = { at, type: 'note' as const, by: 'system' as const, message: 'not delivered', data: { channel: entry.channel, reason: 'unreachable', fallback: 'channel' in route ? route.channel : null } };
          commit.tickets = [{ value: { ...ticket, updatedAt: at, timeline: [...ticket.timeline, note] }, expectedVersion: ticket.version }];
        }
        try {
          await o.store.commit(commit);
          await outbox.run(effects, false);
          return;
        } catch (err) {
          if (!isAppError(err, 'CONFLICT')) throw err;
        }
      }
    }).catch((err: unknown) => o.log.error({ err }, 'could not record an unreachable customer'));
  }

  /** What the platform's own agents did; a redelivered agent message is already in the transcript. */
  async function platformHuman(channel: string, e: agent.PlatformHumanEvent): Promise<void> {
    const conv = await o.store.findConversation(channel, e.channelUserId);
    if (!conv) return;
    try {
      await inConversation(conv.id, async () => {
        const fresh = await o.store.getConversation(conv.id);
        return (fresh && (await agent.platformHuman(deps, fresh, channel, e))) ?? {};
      });
    } catch (err) {
      if (!isAppError(err, 'DUPLICATE')) throw err;
    }
  }

  async function channelEvent(channel: string, e: ChannelEvent): Promise<void> {
    if (e.type === 'human_took_over' || e.type === 'human_message' || e.type === 'human_ended') await platformHuman(channel, { ...e, type: e.type });
    else await setReachability(channel, e.channelUserId, e.type, e.at);
  }

  /** Runs what a channel delivered, in the order it happened: events where they fall among the messages. */
  async function deliver(channel: string, result: Omit<WebhookResult, 'response'>): Promise<TurnResult[]> {
    const events = result.events ?? [];
    const out: TurnResult[] = [];
    for (let i = 0; i <= result.messages.length; i++) {
      const last = i === result.messages.length;
      for (const e of events) if ((e.before ?? 0) === i || (last && (e.before ?? 0) > i)) await channelEvent(channel, e);
      if (!last) out.push(await handle(result.messages[i]!));
    }
    return out;
  }

  /** One conversation at a time: in this process by the queue, across instances by the lease. */
  function exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (!o.leases) return queue.run(key, task);
    const leases = o.leases;
    return queue.run(key, async () => {
      const lease = await leases.acquire(key);
      try {
        return await task();
      } finally {
        await lease.release().catch((err: unknown) => o.log.warn({ err }, 'lease release failed; it will expire'));
      }
    });
  }

  async function handle(msg: InboundMessage): Promise<TurnResult> {
    if (!accepting) throw new AppError('UNAVAILABLE', 'this instance is shutting down; send it again (another instance will take it)');
    return exclusive(userKey(msg.channel, msg.channelUserId), async () => {
      const outcome = await commitTurn(deps, msg);
      if (!outcome.duplicate) {
        await o.afterCommit?.(outcome.record);
        await outbox.run(outcome.effects, true);
      }
      return { ...outcome.record, duplicate: outcome.duplicate };
    });
  }

  /** Agent actions run in the conversation's queue too, so they never interleave with a customer turn. */
  async function inConversation<T extends { effects?: Commit['effects'] }>(conversationId: string, action: () => Promise<T>, attempt = 0): Promise<T> {
    const conv = await o.store.getConversation(conversationId);
    if (!conv) throw new AppError('NOT_FOUND', `no conversation ${conversationId}`);
    try {
      const result = await exclusive(userKey(conv.channel, conv.channelUserId), action);
      await outbox.run(result.effects ?? [], false);
      return result;
    } catch (err) {
      if (isAppError(err, 'CONFLICT') && attempt < 3) return inConversation(conversationId, action, attempt + 1);
      throw err;
    }
  }

  return {
    pack: o.pack,
    store: o.store,
    events,
    render,
    understand,
    channels,
    handle,
    deliver,
    addChannel(channel: ChannelAdapter) {
      channels.set(channel.name, channel);
    },
    agentMessage: (conversationId: string, text: string) => inConversation(conversationId, () => agent.agentMessage(deps, conversationId, text)),
    release: (conversationId: string) => inConversation(conversationId, () => agent.release(deps, conversationId)),
    async ticketEvent(ticketId: string, event: { type: AgentEventType; message?: string }) {
      const ticket = await o.store.getTicket(ticketId);
      if (!ticket) throw new AppError('NOT_FOUND', `no ticket ${ticketId}`);
      const { commit, ticket: updated } = await inConversation(ticket.conversationId, async () => {
        const r = await agent.ticketEvent(deps, ticketId, event);
        return { ...r, effects: r.commit.effects };
      });
      return { commit, ticket: updated };
    },
    /** Runs effects left over by a crash, then keeps retrying failed ones. */
    async start(): Promise<number> {
      const recovered = await outbox.drain();
      if (recovered > 0) o.log.info({ recovered }, 'ran effects left from before the restart');
      if ((o.retryEveryMs ?? 5000) > 0) {
        timer = setInterval(() => void outbox.drain().catch((err) => o.log.error({ err }, 'outbox drain failed')), o.retryEveryMs ?? 5000);
        timer.unref();
      }
      for (const channel of channels.values()) {
        if (channel.start) await channel.start((result) => deliver(channel.name, result).then(() => undefined));
      }
      if (jobs && (o.jobEveryMs ?? 1000) > 0) {
        jobTimer = setInterval(() => void jobs.tick().catch((err) => o.log.error({ err }, 'scheduled jobs failed')), o.jobEveryMs ?? 1000);
        jobTimer.unref();
      }
      return recovered;
    },
    drain: () => outbox.drain(),
    /** Applies the scheduled jobs due now (deadline escalations); 0 without a scheduler. */
    runJobs: async () => (jobs ? jobs.tick() : 0),
    /** Whether the store answers (a read of a record that does not exist). */
    async ready(): Promise<boolean> {
      try {
        // A Redis client queues commands while reconnecting: without a bound the probe would hang.
        await Promise.race([o.store.getConversation('readyz-probe'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
        return true;
      } catch {
        return false;
      }
    },
    get accepting() {
      return accepting;
    },
    /** Stops taking turns, lets those in flight finish, then closes the store. */
    async stop(): Promise<void> {
      accepting = false;
      for (const channel of channels.values()) await channel.stop?.().catch((err: unknown) => o.log.warn({ err, channel: channel.name }, 'channel did not stop cleanly'));
      if (timer) clearInterval(timer);
      if (jobTimer) clearInterval(jobTimer);
      // Turns in flight finish and release their leases; a claimed job finishes or its lease lapses.
      await queue.idle();
      await jobs?.idle();
      await o.leases?.close();
      await o.scheduler?.close();
      await o.store.close();
    },
  };
}
export type Engine = ReturnType<typeof createEngine>;
