import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import type { Commit, Conversation, Customer, OutboxEntry, TranscriptEntry } from '../../engine/domain.ts';
import type { Store } from '../../engine/store.ts';
import { isAppError } from '../../engine/errors.ts';
import { orderedId } from '../../engine/ids.ts';
import type { RedisClient } from '../../adapters/store/redis/connection.ts';
import { KeyLayout } from '../../adapters/store/redis/keys.ts';
import { createRedisStore, type CommitPhase, type RedisStore } from '../../adapters/store/redis/redis-store.ts';
import { harness } from '../helpers/harness.ts';
import { conversation, customer, ticket } from './conformance.ts';

// Suites shared by redis.test.ts (one server, 1 or 16 buckets) and redis-cluster.test.ts.

export interface Shared {
  /** A new client (the test closes it). */
  client(): RedisClient;
  /** A fresh key prefix. */
  prefix(): string;
  /** Bucket count for the multi-bucket suite (default: the store's own). */
  buckets?: number;
}

const T0 = '2026-11-24T08:00:00.000Z';
const FAR = '2100-01-01T00:00:00.000Z';

type Counts = Record<string, number>;

/** Counts the Redis commands each store method sends (attributed through async context, so overlap is fine). */
function counted(store: Store, client: RedisClient): { store: Store; counts: Counts; reset(): void } {
  const als = new AsyncLocalStorage<string>();
  const counts: Counts = {};
  const target = client as unknown as { sendCommand(...args: unknown[]): unknown };
  const original = target.sendCommand.bind(client);
  target.sendCommand = (...args: unknown[]) => {
    const method = als.getStore();
    const name = (args[0] as { name?: string }).name ?? '';
    // A cluster client hands commands on to its node clients: count them once, at the cluster.
    if (method && name !== 'cluster') counts[method] = (counts[method] ?? 0) + 1;
    return original(...args);
  };
  const wrapped = new Proxy(store, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function' || prop === 'close') return v;
      return (...args: unknown[]) => als.run(String(prop), () => (v as (...a: unknown[]) => unknown).apply(t, args));
    },
  });
  return {
    store: wrapped,
    counts,
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
  };
}

// A full intake in the power-utility pack: it ends with a filed ticket.
const INTAKE = ['你好', '这个月电费比上个月翻了一倍，肯定是算错了', '前天', '退还多收的钱', '3300000123', '13912345678', '短信', '确认'];

export function usualTurnSuite(name: string, shared: Shared, buckets: number): void {
  describe(`redis store: the usual turn (${name})`, () => {
    it('runs a whole intake through the engine with a small constant number of commands per turn', async () => {
      const client = shared.client();
      const prefix = shared.prefix();
      const base = createRedisStore({ client, prefix, buckets });
      const { store, counts, reset } = counted(base, client);
      const h = harness({ store });
      const perTurn: Counts[] = [];
      let last;
      for (const text of INTAKE) {
        reset();
        last = await h.say('alice', text);
        perTurn.push({ ...counts });
      }
      expect(last!.ticketId).toMatch(/^PU-/);
      const conv = (await base.findConversation('test', 'alice'))!;
      expect(conv.messageCount).toBeGreaterThan(INTAKE.length);
      expect(await base.listMessages(conv.id)).toHaveLength(conv.messageCount);
      expect((await base.listTickets({ customerId: conv.customerId })).map((t) => t.id)).toEqual([last!.ticketId]);
      // Sends went out and were settled (other effects may wait for a process with a scheduler).
      expect((await base.pendingEffects(FAR)).filter((e) => e.kind === 'send')).toEqual([]);
      // A redelivered message gets the same answer, replies read back from the transcript.
      const again = await h.say('alice', INTAKE[2]!, { messageId: 'redelivered' });
      const dup = await h.say('alice', INTAKE[2]!, { messageId: 'redelivered' });
      expect(dup.duplicate).toBe(true);
      expect(dup.replies).toEqual(again.replies);

      // A fresh process (empty pointer caches) taking the next turn.
      const cold = counted(createRedisStore({ client, prefix }), client);
      const h2 = harness({ store: cold.store });
      await h2.say('alice', '谢谢');
      const coldTurn = { ...cold.counts };

      const mid = perTurn[3]!;
      console.log(`[${name}] commands per store call, a mid-intake turn: ${JSON.stringify(mid)}; the turn filing the ticket: ${JSON.stringify(perTurn.at(-1))}; after a restart: ${JSON.stringify(coldTurn)}`);
      const single = buckets === 1;
      expect(mid.getTurnRecord).toBe(1);
      expect(mid.findConversation).toBe(1);
      expect(mid.getCustomer).toBe(1);
      expect(mid.listTickets).toBe(1);
      expect(mid.commit).toBe(single ? 1 : 2);
      // The first turn claims three pointers (channel user, dedupe key, customer); filing the ticket two (+ the phone entry).
      for (const turn of perTurn) expect(turn.commit ?? 0).toBeLessThanOrEqual(single ? 1 : 4);
      await base.close();
      await client.quit();
    });
  });
}

function send(conversationId: string, n: number): OutboxEntry {
  return {
    id: orderedId('ob'),
    kind: 'send',
    conversationId,
    channel: 'web',
    channelUserId: `u-${conversationId}`,
    mode: 'push',
    n,
    message: { text: `reply ${n}` },
    createdAt: T0,
    notBefore: T0,
    attempts: 0,
  };
}
const message = (conversationId: string, n: number): TranscriptEntry => ({ conversationId, n, author: 'bot', text: `m${n}`, at: T0 });

/** Ids that hash to different buckets. */
function idsInDifferentBuckets(layout: KeyLayout, count: number, stem: string): string[] {
  const ids: string[] = [];
  const used = new Set<number>();
  for (let i = 0; ids.length < count; i++) {
    const id = `${stem}${i}`;
    const b = layout.bucketOf(id);
    if (used.has(b)) continue;
    used.add(b);
    ids.push(id);
  }
  return ids;
}

async function leftovers(store: RedisStore, layout: KeyLayout): Promise<number> {
  let n = 0;
  for (let b = 0; b < layout.buckets; b++) {
    n += (await store.client.hlen(layout.pending(b))) + (await store.client.hlen(layout.locks(b)));
  }
  return n;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (isAppError(err)) return err.code;
    throw err;
  }
}

class Crash extends Error {}

export function multiBucketSuite(name: string, shared: Shared): void {
  describe(`redis store: commits across buckets (${name})`, () => {
    /** Customer cu, first met in conversation A; conversation B lives in another bucket. */
    async function setup(extra: { lockMs?: number; crashAfter?: CommitPhase } = {}) {
      const client = shared.client();
      const prefix = shared.prefix();
      let crash = extra.crashAfter;
      const open = (withHooks: boolean) =>
        createRedisStore({
          client,
          prefix,
          ...(shared.buckets ? { buckets: shared.buckets } : {}),
          lockMs: extra.lockMs ?? 400,
          ...(withHooks
            ? {
                testHooks: {
                  afterPhase: (phase: CommitPhase) => {
                    if (phase === crash) {
                      crash = undefined;
                      throw new Crash(`writer died after ${phase}`);
                    }
                  },
                },
              }
            : {}),
        });
      const store = open(true);
      const layout = new KeyLayout(prefix, await store.bucketCount());
      expect(layout.buckets).toBeGreaterThan(1);
      const [a, b] = idsInDifferentBuckets(layout, 2, 'cv');
      await store.commit({
        conversation: { value: conversation(a!, 'ua', { customerId: 'cu' }), expectedVersion: null },
        customers: [{ value: customer('cu', { phone: '13900000001' }), expectedVersion: null }],
        messages: [message(a!, 0)],
      });
      const cu = (await store.getCustomer('cu'))!;
      expect(cu.version).toBe(1);
      /** The phone-merge turn in B: B's conversation, the shared customer, and a push into A. */
      const merge = (cust: Customer = cu): Commit => ({
        dedupe: { key: `web:${b}-1`, record: { conversationId: b!, n: 0, replies: [{ text: 'm1' }], status: 'bot' } },
        conversation: { value: conversation(b!, 'ub', { customerId: 'cu', messageCount: 2 }), expectedVersion: null },
        customers: [{ value: { ...cust, identities: [...cust.identities, { channel: 'web', channelUserId: 'ub' }], updatedAt: '2026-11-24T09:00:00.000Z' }, expectedVersion: cust.version }],
        tickets: [{ value: ticket('TB', { customerId: 'cu', conversationId: b! }), expectedVersion: null }],
        messages: [{ ...message(b!, 0), author: 'customer' }, message(b!, 1), message(a!, 1)],
        effects: [send(b!, 1), send(a!, 1)],
      });
      return { client, prefix, store, layout, a: a!, b: b!, cu, merge, reopen: () => open(false) };
    }

    it('applies a commit spanning buckets whole, and reads it from every bucket', async () => {
      const s = await setup();
      await s.store.commit(s.merge());
      expect((await s.store.getCustomer('cu'))!.identities).toHaveLength(2);
      expect((await s.store.getConversation(s.b))!.version).toBe(1);
      expect((await s.store.findConversation('web', 'ub'))!.id).toBe(s.b);
      expect((await s.store.getTurnRecord(`web:${s.b}-1`))!.replies).toEqual([{ text: 'm1' }]);
      expect((await s.store.listTickets({ customerId: 'cu' })).map((t) => t.id)).toEqual(['TB']);
      expect((await s.store.listMessages(s.a)).map((m) => m.n)).toEqual([0, 1]);
      expect(await s.store.pendingEffects(FAR)).toHaveLength(2);
      expect((await s.store.findCustomerByPhone('13900000001'))!.version).toBe(2);
      expect(await leftovers(s.store, s.layout)).toBe(0);
      await s.store.close();
      await s.client.quit();
    });

    it('leaves nothing behind when a check fails in another bucket', async () => {
      const s = await setup();
      const stale = await s.store.getCustomer('cu');
      await s.store.commit({ customers: [{ value: { ...stale!, tags: ['vip'] }, expectedVersion: stale!.version }] });
      expect(await code(s.store.commit(s.merge(stale!)))).toBe('CONFLICT');
      expect(await s.store.getConversation(s.b)).toBeNull();
      expect(await s.store.findConversation('web', 'ub')).toBeNull();
      expect(await s.store.getTurnRecord(`web:${s.b}-1`)).toBeNull();
      expect(await s.store.getTicket('TB')).toBeNull();
      expect(await s.store.listMessages(s.a)).toHaveLength(1);
      expect(await s.store.listMessages(s.b)).toEqual([]);
      expect(await s.store.pendingEffects(FAR)).toEqual([]);
      expect(await leftovers(s.store, s.layout)).toBe(0);
      // The same turn, read afresh, then goes through.
      await s.store.commit(s.merge((await s.store.getCustomer('cu'))!));
      expect((await s.store.getCustomer('cu'))!.tags).toEqual(['vip']);
      await s.store.close();
      await s.client.quit();
    });

    it('recovers a writer that died after deciding: the whole commit appears, effects included', async () => {
      const s = await setup({ crashAfter: 'decide' });
      await expect(s.store.commit(s.merge())).rejects.toBeInstanceOf(Crash);
      // Another process: the outbox drain finds the decided part and rolls it forward.
      const other = s.reopen();
      const due = await other.pendingEffects(FAR);
      expect(due.map((e) => e.conversationId).sort()).toEqual([s.a, s.b].sort());
      expect((await other.getCustomer('cu'))!.version).toBe(2);
      expect((await other.listMessages(s.a)).map((m) => m.n)).toEqual([0, 1]);
      expect((await other.getConversation(s.b))!.version).toBe(1);
      expect(await leftovers(other, s.layout)).toBe(0);
      expect(['DUPLICATE', 'CONFLICT']).toContain(await code(other.commit(s.merge())));
      await s.store.close();
      await other.close();
      await s.client.quit();
    });

    it('recovers a writer that died after deciding when a reader gets there first', async () => {
      const s = await setup({ crashAfter: 'decide' });
      await expect(s.store.commit(s.merge())).rejects.toBeInstanceOf(Crash);
      const other = s.reopen();
      // The customer lives in A's bucket, the prepared part is there: the read rolls it forward.
      expect((await other.getCustomer('cu'))!.version).toBe(2);
      expect(await leftovers(other, s.layout)).toBe(0);
      expect(await other.pendingEffects(FAR)).toHaveLength(2);
      await s.store.close();
      await other.close();
      await s.client.quit();
    });

    it('drops the commit of a writer that died before deciding, and unblocks its records after the lock time', async () => {
      const s = await setup({ crashAfter: 'prepare', lockMs: 300 });
      await expect(s.store.commit(s.merge())).rejects.toBeInstanceOf(Crash);
      const other = s.reopen();
      // Undecided: readers see the old state.
      expect((await other.getCustomer('cu'))!.version).toBe(1);
      expect(await other.getConversation(s.b)).toBeNull();
      expect(await other.pendingEffects(FAR)).toEqual([]);
      // A writer of the locked customer waits out the lock, aborts the dead commit and goes through.
      const started = Date.now();
      await other.commit({ customers: [{ value: { ...s.cu, tags: ['after'] }, expectedVersion: 1 }] });
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await other.getCustomer('cu'))!.tags).toEqual(['after']);
      expect(await other.getConversation(s.b)).toBeNull();
      expect(await other.findConversation('web', 'ub')).toBeNull();
      expect(await other.getTicket('TB')).toBeNull();
      expect(await other.listMessages(s.a)).toHaveLength(1);
      expect(await other.pendingEffects(FAR)).toEqual([]);
      expect(await other.recover()).toBe(0);
      expect(await leftovers(other, s.layout)).toBe(0);
      await s.store.close();
      await other.close();
      await s.client.quit();
    });

    it('drops the commit of a writer that died right after beginning', async () => {
      const s = await setup({ crashAfter: 'begin' });
      await expect(s.store.commit(s.merge())).rejects.toBeInstanceOf(Crash);
      const other = s.reopen();
      expect(await other.getConversation(s.b)).toBeNull();
      await other.commit({ customers: [{ value: { ...s.cu, tags: ['x'] }, expectedVersion: 1 }] });
      expect((await other.getCustomer('cu'))!.version).toBe(2);
      await s.store.close();
      await other.close();
      await s.client.quit();
    });

    it('finds the prepared part through recover() alone', async () => {
      const s = await setup({ crashAfter: 'decide' });
      await expect(s.store.commit(s.merge())).rejects.toBeInstanceOf(Crash);
      const other = s.reopen();
      expect(await other.recover()).toBe(1);
      expect(await leftovers(other, s.layout)).toBe(0);
      expect((await other.getCustomer('cu'))!.version).toBe(2);
      await s.store.close();
      await other.close();
      await s.client.quit();
    });

    it('serialises concurrent writers of a shared customer: no lost update', async () => {
      const s = await setup();
      const layout = s.layout;
      const convs = idsInDifferentBuckets(layout, 6, 'par');
      await Promise.all(
        convs.map(async (id, i) => {
          for (let attempt = 0; ; attempt++) {
            const cu = (await s.store.getCustomer('cu'))!;
            const value: Conversation = conversation(id, `u-${id}`, { customerId: 'cu' });
            try {
              await s.store.commit({
                conversation: { value, expectedVersion: null },
                customers: [{ value: { ...cu, tags: [...cu.tags, `t${i}`] }, expectedVersion: cu.version }],
                effects: [send(id, 0)],
              });
              return;
            } catch (err) {
              if (!isAppError(err, 'CONFLICT') || attempt > 40) throw err;
              await new Promise((r) => setTimeout(r, Math.random() * 20));
            }
          }
        }),
      );
      const cu = (await s.store.getCustomer('cu'))!;
      expect(cu.version).toBe(1 + convs.length);
      expect([...cu.tags].sort()).toEqual(convs.map((_, i) => `t${i}`).sort());
      expect(await s.store.pendingEffects(FAR)).toHaveLength(convs.length);
      expect(await leftovers(s.store, layout)).toBe(0);
      await s.store.close();
      await s.client.quit();
    });
  });
}
