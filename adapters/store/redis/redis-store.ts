// Redis store (ioredis): single instance (REDIS_URL) or Redis Cluster (REDIS_CLUSTER_NODES).
//
// DESIGN
//
// Buckets. Keys are grouped into B buckets; every key of bucket b carries the hash tag of b, so a
// bucket is one cluster slot and one Lua script can check and write all of it atomically (keys.ts
// lists the layout). A conversation lives in the bucket its id hashes to, together with its transcript
// and its outbox entries. Customers, tickets, turn records (dedupe keys) and the channel-user ->
// conversation record have no bucket implied by their id: each gets an immutable location pointer
// (keyed by its id, in the bucket of that id) naming its bucket. A pointer is claimed (set if absent)
// before the commit that first writes the record, preferring the commit's own bucket, and never
// changes afterwards, so pointers are cached in process forever. A pointer whose record was never
// committed leads to an absent key: "not found". So the usual turn (a customer writing in their own
// conversation: conversation, transcript, turn record, effects, customer, tickets filed there and the
// customer's ticket index) is one bucket and ONE commit script. Single-instance mode uses B = 1: one
// tag, no pointers at all, every commit one script. Cluster mode defaults to B = 256 (the number is
// stored under <prefix>store:meta on first use and read back from there, so it cannot drift).
//
// Global indexes (pendingEffects, listConversations, listTickets by status) are sharded per bucket
// and kept by the same script as the records; global reads query every bucket (B scripts, sent at
// once) and merge. The phone index (phone -> customers) is the one cross-bucket index kept outside
// commits: an entry is added before the commit that sets the phone (the script refuses a phone
// change whose entry was not added), removed after the commit that moves the customer to another
// phone (only if it was set by an older version), and readers check that the customer really has
// that phone. Entries can thus be stale (harmless) but never missing.
//
// Multi-bucket commits (a customer shared by two conversations after a phone merge, a record whose
// pointer names another bucket, or commits without a conversation) use two-phase commit:
//   1. begin: the primary bucket P records X:txid = "p|<deadline>|<other buckets>" (P's clock, TTL).
//   2. prepare: each other bucket runs the checks of its part, locks the keys it checked (hash l) and
//      keeps the part's writes under txid (hash x). A failure aborts everything: nothing was written.
//   3. decide: P's script checks X is still "p" and before its deadline, runs P's checks, applies P's
//      part and sets X = "c" in the same step. That is the commit point.
//   4. apply: each prepared part is rolled forward and unlocked; then X is deleted.
// Every commit script refuses keys locked by another transaction (BUSY: the writer resolves the
// holder and retries, or gives CONFLICT). Every read script also returns the txids prepared in its
// bucket; the reader then resolves each (below) and reads again, so a decided commit is never read
// half-applied. Resolution of a txid found in bucket S: X = "c" -> apply every part, delete X; X = "p"
// past its deadline -> P deletes X atomically (aborted), abort every part; X = "p" before its deadline
// -> still in flight, the old values are the right answer; X absent -> finished or aborted: abort the
// part in S (a decided X is only deleted after all its parts were applied). pendingEffects reads every
// bucket, so the outbox drain also recovers commits whose writer died between phases: no effect of a
// decided commit is lost, nothing of an undecided one appears.
//
// ROUND TRIPS (sequential; commands sent at once count as one; measured by test/store/redis-shared.ts)
//   single instance (B = 1): every read 1 (getTurnRecord, findConversation, getConversation, getCustomer,
//     getTicket, listTickets, listMessages, listConversations, pendingEffects); commit 1 (+1 only when a
//     customer moves to another phone, to drop the old entry); settleEffect 1; findCustomerByPhone 2.
//   cluster (B = 256): getConversation, listMessages, settleEffect 1; getTurnRecord, findConversation,
//     getCustomer, getTicket, listTickets by customer 1 once the location pointer is cached in this
//     process, else 2 (an unknown dedupe key: 1); commit 2: the pointer claims of the new keys (always
//     the dedupe key, plus a new conversation/customer/ticket and a changed phone's index entry) sent
//     at once, then the script (a phone change the process did not see coming: +2, NEEDPHONE); pendingEffects
//     1 (B scripts at once); listConversations and listTickets without a customer 2 (B scripts at once,
//     then the winning records); settleEffect of an effect this process neither wrote nor handed out
//     asks all B buckets at once.
//   a multi-bucket commit: claims, begin, prepare, decide, apply, delete: 6. If its writer dies after
//   apply and before the delete, the decided X:txid (a few bytes) stays behind; nothing else does.
//   The usual turn (getTurnRecord, findConversation, getCustomer, listTickets, commit, settleEffect):
//     single instance 6 round trips, cluster 7 (the dedupe-key claim), 9 in the first turn a process
//     takes for a conversation after a restart (two pointers to read). One command per round trip,
//     except settleEffect: one per effect of the turn, sent at once.

import { randomBytes } from 'node:crypto';
import type { Commit, Conversation, Customer, OutboxEntry, Ticket, TicketStatus, TranscriptEntry, TurnRecord } from '../../../engine/domain.ts';
import { TICKET_STATUSES } from '../../../engine/domain.ts';
import type { Store, TicketFilter } from '../../../engine/store.ts';
import { AppError } from '../../../engine/errors.ts';
import { OPEN_STATUSES } from '../../../engine/tickets/lifecycle.ts';
import { conflict, duplicate, nextVersion, provedThenNewest } from '../commit-checks.ts';
import { connectRedis, isCluster, type RedisClient, type RedisSettings } from './connection.ts';
import { CONVERSATION_STATUSES, KeyLayout, channelUser, primaryOf, type PointerKind } from './keys.ts';
import { SCRIPTS, type ScriptName } from './scripts.ts';

export type CommitPhase = 'begin' | 'prepare' | 'decide' | 'apply';

export interface RedisStoreOptions {
  /** A client to use (not closed by close()); else `settings` opens one that close() quits. */
  client?: RedisClient;
  settings?: RedisSettings;
  /** Put before every key, so several stores can share one Redis. No braces. Default "intake:" (REDIS_PREFIX). */
  prefix?: string;
  /** Number of buckets, a power of two; default: what the data was written with, else 1 (single) or 256 (cluster). */
  buckets?: number;
  /** How long a multi-bucket commit may hold prepare locks before others may abort it. Default 5000 ms. */
  lockMs?: number;
  /** Tests only: called after each phase of a multi-bucket commit; throwing there simulates a writer that dies. */
  testHooks?: { afterPhase?(phase: CommitPhase): void | Promise<void> };
}

export interface RedisStore extends Store {
  readonly client: RedisClient;
  /** Resolves multi-bucket commits left by writers that died (pendingEffects also does this). Returns how many. */
  recover(): Promise<number>;
  /** Bucket count in use (after the first call). */
  bucketCount(): Promise<number>;
}

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;

const DEFAULT_PREFIX = 'intake:';
const CLUSTER_BUCKETS = 256;
const CACHE_LIMIT = 100_000;

// ---- value encodings (see keys.ts) ----

function encodeVersioned<T extends { version: number }>(value: T, version: number): string {
  const { version: _old, ...rest } = value;
  return `${version}|${JSON.stringify(rest)}`;
}
function decodeVersioned<T>(raw: string): T {
  const bar = raw.indexOf('|');
  return { ...JSON.parse(raw.slice(bar + 1)), version: Number(raw.slice(0, bar)) } as T;
}
function encodeMessage(m: TranscriptEntry): string {
  const { conversationId: _c, n, ...rest } = m;
  return `${n}|${JSON.stringify(rest)}`;
}
function decodeMessage(conversationId: string, raw: string): TranscriptEntry {
  const bar = raw.indexOf('|');
  return { conversationId, n: Number(raw.slice(0, bar)), ...JSON.parse(raw.slice(bar + 1)) } as TranscriptEntry;
}
function encodeEffect(e: OutboxEntry): string {
  const { attempts, notBefore, ...rest } = e;
  return `${attempts}|${notBefore}|${JSON.stringify(rest)}`;
}
function decodeEffect(raw: string): OutboxEntry {
  const a = raw.indexOf('|');
  const b = raw.indexOf('|', a + 1);
  return { ...JSON.parse(raw.slice(b + 1)), notBefore: raw.slice(a + 1, b), attempts: Number(raw.slice(0, a)) } as OutboxEntry;
}
/** A turn record whose replies are the bot entries committed with it keeps only their count. */
function encodeTurn(record: TurnRecord, messages: TranscriptEntry[] | undefined): string {
  const k = record.replies.length;
  if (k > 0 && messages) {
    const same = record.replies.every((r, i) => {
      const m = messages.find((x) => x.conversationId === record.conversationId && x.n === record.n + 1 + i);
      return (
        m !== undefined &&
        m.text === r.text &&
        JSON.stringify(m.quickReplies) === JSON.stringify(r.quickReplies) &&
        Object.keys(r).every((key) => key === 'text' || key === 'quickReplies')
      );
    });
    if (same) {
      const { replies: _r, ...rest } = record;
      return `#${JSON.stringify({ ...rest, k })}`;
    }
  }
  return JSON.stringify(record);
}
const ms = (iso: string): number => {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : 0;
};
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

// ---- commit plans ----

interface CheckMeta {
  what: string;
  id: string;
  expected: number | null;
}

/** The checks and writes of one commit that fall in one bucket. KEYS: x, l, X-or-x, then records from index 4. */
class Part {
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  readonly checks: string[] = [];
  readonly ops: string[] = [];
  readonly meta = new Map<number, CheckMeta>();
  /** Customers whose stored phone the script returns, in check order. */
  readonly phoneChecks: Array<{ id: string; phone: string | undefined; version: number }> = [];
  constructor(readonly bucket: number) {}
  k(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length + 4;
      this.keys.push(key);
      this.index.set(key, i);
    }
    return i;
  }
  check(kind: 'V' | 'D' | 'W' | 'O', key: string, arg: string, meta?: CheckMeta): void {
    const i = this.k(key);
    this.checks.push(kind, String(i), arg);
    if (meta) this.meta.set(i, meta);
  }
  op(op: 'SET' | 'RPUSH' | 'HSET' | 'ZADD' | 'ZADDGT' | 'ZREM', key: string, a: string | number, b: string | number = ''): void {
    this.ops.push(op, String(this.k(key)), String(a), String(b));
  }
  args(mode: 'one' | 'prep' | 'decide', txid: string): string[] {
    return [mode, txid, String(this.checks.length / 3), ...this.checks, String(this.ops.length / 4), ...this.ops];
  }
}

type Outcome =
  | { kind: 'ok'; oldPhones: Array<{ id: string; old: string; phone: string | undefined; version: number }> }
  | { kind: 'error'; error: AppError }
  | { kind: 'busy'; txid: string; bucket: number }
  | { kind: 'needphone'; id: string; phone: string; version: number }
  | { kind: 'retry' };

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const owned = !options.client;
  if (!options.client && !options.settings) throw new AppError('CONFIG_INVALID', 'createRedisStore needs a client or settings');
  const client: RedisClient = options.client ?? connectRedis(options.settings!, 'intake-store');
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const lockMs = options.lockMs ?? 5000;
  const hooks = options.testHooks;
  if (/[{}]/.test(prefix)) throw new AppError('CONFIG_INVALID', 'the Redis key prefix must not contain { or }');
  if ((client as { options?: { keyPrefix?: string } }).options?.keyPrefix) {
    throw new AppError('CONFIG_INVALID', 'give the Redis store a client without keyPrefix (use the store prefix instead)');
  }

  const scripts = {} as Record<ScriptName, ScriptFn>;
  for (const [name, lua] of Object.entries(SCRIPTS) as Array<[ScriptName, string]>) {
    const command = `intakeStore_${name}`;
    const target = client as unknown as Record<string, ScriptFn> & { defineCommand(n: string, d: { lua: string }): void };
    if (typeof target[command] !== 'function') target.defineCommand(command, { lua });
    scripts[name] = (...args) => target[command]!(...args);
  }
  const run = (name: ScriptName, keys: string[], args: Array<string | number> = []): Promise<unknown> => scripts[name](keys.length, ...keys, ...args);

  let layout!: KeyLayout;
  const ready = (async () => {
    const want = options.buckets ?? (isCluster(client) ? CLUSTER_BUCKETS : 1);
    const metaKey = `${prefix}store:meta`;
    const stored = JSON.parse(String(await run('claim', [metaKey], [JSON.stringify({ buckets: want })]))) as { buckets: number };
    if (options.buckets !== undefined && stored.buckets !== options.buckets) {
      throw new AppError('CONFIG_INVALID', `the Redis data under prefix "${prefix}" uses ${stored.buckets} buckets, not ${options.buckets}`);
    }
    layout = new KeyLayout(prefix, stored.buckets);
  })();
  ready.catch(() => {});

  // ---- location pointers (immutable once set, so cached forever) ----
  const locations = new Map<string, number>();
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.set(key, value);
    if (map.size > CACHE_LIMIT) map.delete(map.keys().next().value as string);
  };
  async function findLocation(kind: PointerKind, id: string): Promise<number | null> {
    if (layout.buckets === 1) return 0;
    const cached = locations.get(kind + id);
    if (cached !== undefined) return cached;
    const v = await client.get(layout.pointer(kind, id));
    if (v === null) return null;
    if (kind !== 'D') remember(locations, kind + id, Number(v));
    return Number(v);
  }
  async function claimLocation(kind: PointerKind, id: string, preferred: number): Promise<number> {
    if (layout.buckets === 1) return 0;
    const cached = locations.get(kind + id);
    if (cached !== undefined) return cached;
    const b = Number(await run('claim', [layout.pointer(kind, id)], [preferred]));
    if (kind !== 'D') remember(locations, kind + id, b);
    return b;
  }
  // Effects are settled by id alone: remember where the ones we wrote or handed out live.
  const effectBuckets = new Map<string, number>();
  // The phone each customer version read here had ('' none): a commit that changes it adds the new
  // phone's index entry together with its pointer claims instead of learning it from NEEDPHONE.
  const phonesSeen = new Map<string, string>();
  const seen = (c: Customer): Customer => {
    remember(phonesSeen, `${c.id}@${c.version}`, c.phone ?? '');
    return c;
  };

  // ---- multi-bucket commit resolution ----
  const settlePart = (b: number, mode: 'apply' | 'abort', txid: string) => run('settlePart', [layout.pending(b), layout.locks(b)], [mode, txid]);
  const decisionKey = (txid: string) => layout.key(primaryOf(txid), `X:${txid}`);

  /** Brings a transaction found prepared in bucket `foundIn` to its outcome. False while it is still in flight. */
  async function resolveTx(txid: string, foundIn?: number): Promise<boolean> {
    const X = decisionKey(txid);
    const [state, info] = (await run('txStatus', [X])) as [string, string];
    const others = info ? info.split(',').map(Number) : [];
    if (state === 'p') return false;
    if (state === 'c') {
      await Promise.all(others.map((b) => settlePart(b, 'apply', txid)));
      await client.del(X);
      return true;
    }
    const targets = state === 'a' ? others : foundIn !== undefined ? [foundIn] : [];
    await Promise.all(targets.map((b) => settlePart(b, 'abort', txid)));
    return true;
  }

  /** Runs a read of one bucket; when prepared parts are pending there, resolves them and reads again. */
  async function readIn<T>(b: number, once: () => Promise<{ pending: string[]; value: T }>): Promise<T> {
    let r = await once();
    for (let i = 0; i < 5 && r.pending.length > 0; i++) {
      const changed = await Promise.all(r.pending.map((txid) => resolveTx(txid, b)));
      if (!changed.some(Boolean)) break;
      r = await once();
    }
    return r.value;
  }

  async function readKeys(b: number, keys: string[]): Promise<Array<string | null>> {
    return readIn(b, async () => {
      const r = (await run('read', [layout.pending(b), ...keys])) as unknown[];
      return { pending: r[0] as string[], value: keys.map((_, i) => (r[i + 1] as string | null) ?? null) };
    });
  }

  async function readIndex(b: number, zsets: string[], order: 'asc' | 'desc', limit: number, recordPrefix: string) {
    return readIn(b, async () => {
      const r = (await run('readIndex', [layout.pending(b), ...zsets], [order, limit, recordPrefix])) as [string[], ...Array<Array<string | null>>];
      const entries: Array<{ id: string; score: number; raw: string | null; bucket: number }> = [];
      for (const triples of r.slice(1) as Array<Array<string | null>>) {
        for (let i = 0; i < triples.length; i += 3) entries.push({ id: triples[i]!, score: Number(triples[i + 1]), raw: triples[i + 2] ?? null, bucket: b });
      }
      return { pending: r[0], value: entries };
    });
  }

  const allBuckets = () => Array.from({ length: layout.buckets }, (_, b) => b);

  // ---- reads ----

  async function getConversation(id: string): Promise<Conversation | null> {
    const b = layout.bucketOf(id);
    const [raw] = await readKeys(b, [layout.key(b, `c:${id}`)]);
    return raw ? decodeVersioned<Conversation>(raw) : null;
  }

  async function getCustomer(id: string): Promise<Customer | null> {
    const b = await findLocation('U', id);
    if (b === null) return null;
    const [raw] = await readKeys(b, [layout.key(b, `u:${id}`)]);
    return raw ? seen(decodeVersioned<Customer>(raw)) : null;
  }

  async function getTicket(id: string): Promise<Ticket | null> {
    const b = await findLocation('T', id);
    if (b === null) return null;
    const [raw] = await readKeys(b, [layout.key(b, `t:${id}`)]);
    return raw ? decodeVersioned<Ticket>(raw) : null;
  }

  async function listMessages(conversationId: string, afterN = -1): Promise<TranscriptEntry[]> {
    const b = layout.bucketOf(conversationId);
    const raws = await readIn(b, async () => {
      const r = (await run('readMessages', [layout.pending(b), layout.key(b, `m:${conversationId}`)], [afterN])) as [string[], string[]];
      return { pending: r[0], value: r[1] };
    });
    return raws
      .map((raw) => decodeMessage(conversationId, raw))
      .filter((m) => m.n > afterN)
      .sort((x, y) => x.n - y.n);
  }

  // ---- commit ----

  function preferredBucket(c: Commit): number {
    const id =
      c.conversation?.value.id ??
      c.dedupe?.record.conversationId ??
      c.messages?.[0]?.conversationId ??
      c.effects?.[0]?.conversationId ??
      c.tickets?.[0]?.value.conversationId ??
      c.customers?.[0]?.value.id ??
      '';
    return layout.bucketOf(id);
  }

  async function plan(c: Commit, covered: Set<string>, claimed: Map<string, number>): Promise<{ parts: Map<number, Part>; primary: number }> {
    const preferred = preferredBucket(c);
    const conv = c.conversation;
    const creating = conv !== undefined && conv.expectedVersion === null;
    const userKey = conv ? channelUser(conv.value.channel, conv.value.channelUserId) : '';
    // All location pointers this commit needs, claimed at once.
    const wanted: Array<[PointerKind, string]> = [];
    if (creating) wanted.push(['W', userKey]);
    if (c.dedupe) wanted.push(['D', c.dedupe.key]);
    for (const v of c.customers ?? []) wanted.push(['U', v.value.id]);
    for (const v of c.tickets ?? []) wanted.push(['T', v.value.id], ['U', v.value.customerId]);
    const claims = wanted.map(async ([kind, id]) => {
      const known = claimed.get(kind + id);
      claimed.set(kind + id, known ?? (await claimLocation(kind, id, preferred)));
    });
    // A phone known to change (or a new customer's phone) gets its index entry now, in the same round trip.
    const phoneAdds = (c.customers ?? []).map(async ({ value, expectedVersion }) => {
      if (layout.buckets === 1 || !value.phone || covered.has(`${value.id}\u0000${value.phone}`)) return;
      const before = expectedVersion === null ? '' : phonesSeen.get(`${value.id}@${expectedVersion}`);
      if (before === undefined || before === value.phone) return;
      await client.zadd(layout.key(layout.bucketOf(value.phone), `p:${value.phone}`), 'GT', nextVersion({ value, expectedVersion }), value.id);
      covered.add(`${value.id}\u0000${value.phone}`);
    });
    await Promise.all([...claims, ...phoneAdds]);
    const at = (kind: PointerKind, id: string) => claimed.get(kind + id)!;

    const parts = new Map<number, Part>();
    const part = (b: number): Part => {
      let p = parts.get(b);
      if (!p) parts.set(b, (p = new Part(b)));
      return p;
    };
    const key = (b: number, name: string) => layout.key(b, name);

    // The dedupe check first: a redelivery is DUPLICATE rather than CONFLICT where both apply.
    if (c.dedupe) {
      const bd = at('D', c.dedupe.key);
      part(bd).check('D', key(bd, `r:${c.dedupe.key}`), '', { what: 'dedupe', id: c.dedupe.key, expected: null });
      part(bd).op('SET', key(bd, `r:${c.dedupe.key}`), encodeTurn(c.dedupe.record, c.messages));
    }
    if (conv) {
      const v = conv.value;
      const b = layout.bucketOf(v.id);
      const version = nextVersion(conv);
      const p = part(b);
      p.check('V', key(b, `c:${v.id}`), conv.expectedVersion === null ? '' : String(conv.expectedVersion), { what: 'conversation', id: v.id, expected: conv.expectedVersion });
      p.op('SET', key(b, `c:${v.id}`), encodeVersioned(v, version));
      for (const s of CONVERSATION_STATUSES) {
        if (s === v.dialog.status) p.op('ZADD', key(b, `s:${s}`), ms(v.updatedAt), v.id);
        else if (!creating) p.op('ZREM', key(b, `s:${s}`), v.id);
      }
      if (creating) {
        const bw = at('W', userKey);
        part(bw).check('W', key(bw, `w:${userKey}`), v.id, { what: 'conversation', id: v.id, expected: null });
        part(bw).op('SET', key(bw, `w:${userKey}`), v.id);
      }
    }
    const customers: Array<{ v: Customer; version: number; b: number }> = [];
    for (const cv of c.customers ?? []) {
      const v = cv.value;
      const b = at('U', v.id);
      const version = nextVersion(cv);
      part(b).check('V', key(b, `u:${v.id}`), cv.expectedVersion === null ? '' : String(cv.expectedVersion), { what: 'customer', id: v.id, expected: cv.expectedVersion });
      part(b).op('SET', key(b, `u:${v.id}`), encodeVersioned(v, version));
      customers.push({ v, version, b });
    }
    for (const tv of c.tickets ?? []) {
      const v = tv.value;
      const b = at('T', v.id);
      const p = part(b);
      p.check('V', key(b, `t:${v.id}`), tv.expectedVersion === null ? '' : String(tv.expectedVersion), { what: 'ticket', id: v.id, expected: tv.expectedVersion });
      p.op('SET', key(b, `t:${v.id}`), encodeVersioned(v, nextVersion(tv)));
      for (const s of TICKET_STATUSES) {
        if (s === v.status) p.op('ZADD', key(b, `S:${s}`), ms(v.createdAt), v.id);
        else if (tv.expectedVersion !== null) p.op('ZREM', key(b, `S:${s}`), v.id);
      }
      const bc = at('U', v.customerId);
      part(bc).op('ZADD', key(bc, `k:${v.customerId}`), ms(v.createdAt), v.id);
    }
    for (const m of c.messages ?? []) {
      const b = layout.bucketOf(m.conversationId);
      part(b).op('RPUSH', key(b, `m:${m.conversationId}`), encodeMessage(m));
    }
    for (const e of c.effects ?? []) {
      const b = layout.bucketOf(e.conversationId);
      part(b).op('HSET', key(b, 'e'), e.id, encodeEffect(e));
      part(b).op('ZADD', key(b, 'E'), ms(e.notBefore), e.id);
    }
    // Phone index entries: written with the commit when their bucket is part of it anyway, else added
    // beforehand (the script asks for that with NEEDPHONE when the phone changes).
    for (const { v, version, b } of customers) {
      let cover = '0';
      if (v.phone) {
        const bp = layout.bucketOf(v.phone);
        if (parts.has(bp)) {
          part(bp).op('ZADDGT', key(bp, `p:${v.phone}`), version, v.id);
          cover = '1';
        } else if (covered.has(`${v.id}\u0000${v.phone}`)) cover = '1';
      }
      part(b).check('O', key(b, `u:${v.id}`), cover + (v.phone ?? ''));
      part(b).phoneChecks.push({ id: v.id, phone: v.phone, version });
    }
    const primary = conv ? layout.bucketOf(conv.value.id) : parts.has(preferred) ? preferred : parts.keys().next().value!;
    return { parts, primary };
  }

  /** Reads a commit script's reply. */
  function outcomeOf(p: Part, reply: unknown): Outcome {
    const r = reply as string[];
    switch (r[0]) {
      case 'OK':
        return { kind: 'ok', oldPhones: p.phoneChecks.map((c, i) => ({ ...c, old: r[i + 1] ?? '' })) };
      case 'CONFLICT': {
        const meta = p.meta.get(Number(r[1]))!;
        return { kind: 'error', error: conflict(meta.what, meta.id, meta.expected, r[2] ? Number(r[2]) : null) };
      }
      case 'DUPLICATE':
        return { kind: 'error', error: duplicate(p.meta.get(Number(r[1]))!.id) };
      case 'BUSY':
        return { kind: 'busy', txid: r[1]!, bucket: p.bucket };
      case 'NEEDPHONE': {
        // The n-th O check names the n-th customer in phoneChecks.
        let o = 0;
        for (let j = 0; j < p.checks.length; j += 3) {
          if (p.checks[j] !== 'O') continue;
          if (p.checks[j + 1] === r[1]) break;
          o++;
        }
        const c = p.phoneChecks[o]!;
        return { kind: 'needphone', id: c.id, phone: c.phone!, version: c.version };
      }
      case 'ABORTED':
        return { kind: 'retry' };
      default:
        throw new Error(`unexpected reply from the commit script: ${JSON.stringify(r)}`);
    }
  }

  const partKeys = (p: Part, third: string) => [layout.pending(p.bucket), layout.locks(p.bucket), third, ...p.keys];

  async function phase(name: CommitPhase): Promise<void> {
    if (hooks?.afterPhase) await hooks.afterPhase(name);
  }

  async function twoPhase(parts: Map<number, Part>, primary: number): Promise<Outcome> {
    const txid = `${primary}.${randomBytes(9).toString('base64url')}`;
    const others = [...parts.keys()].filter((b) => b !== primary);
    const X = layout.key(primary, `X:${txid}`);
    await run('txBegin', [X], [lockMs, others.join(',')]);
    await phase('begin');
    const prepared = await Promise.allSettled(others.map((b) => run('commit', partKeys(parts.get(b)!, layout.pending(b)), parts.get(b)!.args('prep', txid))));
    const oldPhones: Extract<Outcome, { kind: 'ok' }>['oldPhones'] = [];
    let failed: Outcome | undefined;
    let thrown: unknown;
    prepared.forEach((r, i) => {
      if (r.status === 'rejected') thrown ??= r.reason;
      else {
        const o = outcomeOf(parts.get(others[i]!)!, r.value);
        if (o.kind === 'ok') oldPhones.push(...o.oldPhones);
        else failed ??= o;
      }
    });
    if (failed || thrown !== undefined) {
      await client.del(X);
      await Promise.all(others.map((b) => settlePart(b, 'abort', txid)));
      if (thrown !== undefined) throw thrown;
      return failed!;
    }
    await phase('prepare');
    const p = parts.get(primary)!;
    const decided = outcomeOf(p, await run('commit', partKeys(p, X), p.args('decide', txid)));
    if (decided.kind !== 'ok') {
      // The script dropped X: nothing is decided; release the prepared parts.
      await Promise.all(others.map((b) => settlePart(b, 'abort', txid)));
      return decided;
    }
    await phase('decide');
    await Promise.all(others.map((b) => settlePart(b, 'apply', txid)));
    await phase('apply');
    await client.del(X);
    return { kind: 'ok', oldPhones: [...oldPhones, ...decided.oldPhones] };
  }

  async function commit(c: Commit): Promise<void> {
    await ready;
    const covered = new Set<string>();
    const claimed = new Map<string, number>();
    const giveUp = Date.now() + lockMs + 2000;
    for (let attempt = 0; ; attempt++) {
      const { parts, primary } = await plan(c, covered, claimed);
      if (parts.size === 0) return;
      let outcome: Outcome;
      if (parts.size === 1) {
        const p = parts.values().next().value!;
        outcome = outcomeOf(p, await run('commit', partKeys(p, layout.pending(p.bucket)), p.args('one', '')));
      } else outcome = await twoPhase(parts, primary);

      switch (outcome.kind) {
        case 'ok': {
          for (const e of c.effects ?? []) remember(effectBuckets, e.id, layout.bucketOf(e.conversationId));
          for (const v of c.customers ?? []) remember(phonesSeen, `${v.value.id}@${nextVersion(v)}`, v.value.phone ?? '');
          // The customer moved to another phone: drop the old entry (readers check phones anyway).
          const moved = outcome.oldPhones.filter((x) => x.old !== '' && x.old !== x.phone);
          await Promise.all(moved.map((x) => run('unindexPhone', [layout.key(layout.bucketOf(x.old), `p:${x.old}`)], [x.id, x.version])));
          return;
        }
        case 'error':
          throw outcome.error;
        case 'needphone':
          await client.zadd(layout.key(layout.bucketOf(outcome.phone), `p:${outcome.phone}`), 'GT', outcome.version, outcome.id);
          covered.add(`${outcome.id}\u0000${outcome.phone}`);
          break;
        case 'busy': {
          const settled = await resolveTx(outcome.txid, outcome.bucket);
          if (!settled) {
            if (Date.now() > giveUp) throw new AppError('CONFLICT', 'a record of this commit is locked by another commit that has not finished');
            await sleep(10 + Math.random() * 20);
          }
          break;
        }
        case 'retry':
          if (Date.now() > giveUp || attempt > 20) throw new AppError('CONFLICT', 'the commit did not finish in time; nothing was written');
          break;
      }
    }
  }

  // ---- effects ----

  async function dueIn(b: number, nowMs: number, limit: number): Promise<OutboxEntry[]> {
    return readIn(b, async () => {
      const r = (await run('dueEffects', [layout.pending(b), layout.key(b, 'E'), layout.key(b, 'e')], [nowMs, limit])) as [string[], string[], Array<string | null>];
      const entries = r[2].filter((x): x is string => x !== null).map(decodeEffect);
      return { pending: r[0], value: entries };
    });
  }

  async function recover(): Promise<number> {
    await ready;
    let resolved = 0;
    await Promise.all(
      allBuckets().map(async (b) => {
        const pending = (await client.hkeys(layout.pending(b))) as string[];
        for (const txid of pending) if (await resolveTx(txid, b)) resolved++;
      }),
    );
    return resolved;
  }

  const store: RedisStore = {
    kind: 'redis',
    client,
    recover,
    async bucketCount() {
      await ready;
      return layout.buckets;
    },

    async findConversation(channel, channelUserId) {
      await ready;
      const u = channelUser(channel, channelUserId);
      const b = await findLocation('W', u);
      if (b === null) return null;
      const { id, raw } = await readIn(b, async () => {
        const r = (await run('findConversation', [layout.pending(b), layout.key(b, `w:${u}`)], [layout.base(b)])) as [string[], string | null, string | null];
        return { pending: r[0], value: { id: r[1], raw: r[2] } };
      });
      if (!id) return null;
      if (raw) return decodeVersioned<Conversation>(raw);
      return layout.bucketOf(id) === b ? null : getConversation(id);
    },

    async getConversation(id) {
      await ready;
      return getConversation(id);
    },

    async listConversations({ status, limit = 100 }) {
      await ready;
      const statuses = status ? [status] : [...CONVERSATION_STATUSES];
      const single = layout.buckets === 1;
      const lists = await Promise.all(
        allBuckets().map((b) =>
          readIndex(
            b,
            statuses.map((s) => layout.key(b, `s:${s}`)),
            'asc',
            limit,
            single ? layout.key(b, 'c:') : '',
          ),
        ),
      );
      const top = lists
        .flat()
        .sort((x, y) => x.score - y.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
        .slice(0, limit);
      const raws = await fetchMissing(top, (id) => `c:${id}`);
      return raws.filter((r): r is string => r !== null).map((raw) => decodeVersioned<Conversation>(raw));
    },

    async getCustomer(id) {
      await ready;
      return getCustomer(id);
    },

    async findCustomerByPhone(phone) {
      await ready;
      const b = layout.bucketOf(phone);
      const ids = (await readIndex(b, [layout.key(b, `p:${phone}`)], 'desc', 50, '')).map((e) => e.id);
      const candidates = (await Promise.all(ids.map(getCustomer))).filter((c): c is Customer => c !== null && c.phone === phone);
      return candidates.sort(provedThenNewest)[0] ?? null;
    },

    async getTicket(id) {
      await ready;
      return getTicket(id);
    },

    async listTickets(filter: TicketFilter & { limit?: number }) {
      await ready;
      const limit = filter.limit ?? 100;
      const keep = (t: Ticket) =>
        (!filter.status || t.status === filter.status) &&
        (!filter.customerId || t.customerId === filter.customerId) &&
        (!filter.open || OPEN_STATUSES.includes(t.status));
      const newestFirst = (x: Ticket, y: Ticket) => (x.createdAt < y.createdAt ? 1 : x.createdAt > y.createdAt ? -1 : x.id < y.id ? 1 : x.id > y.id ? -1 : 0);
      let tickets: Ticket[];
      if (filter.customerId) {
        const b = await findLocation('U', filter.customerId);
        if (b === null) return [];
        const entries = await readIndex(b, [layout.key(b, `k:${filter.customerId}`)], 'desc', 1000, layout.key(b, 't:'));
        // Tickets of this customer filed in another bucket are read from there.
        tickets = (
          await Promise.all(entries.map(async (e) => (e.raw ? decodeVersioned<Ticket>(e.raw) : getTicket(e.id))))
        ).filter((t): t is Ticket => t !== null);
      } else {
        let statuses: TicketStatus[] = filter.status ? [filter.status] : filter.open ? [...OPEN_STATUSES] : [...TICKET_STATUSES];
        if (filter.open) statuses = statuses.filter((s) => OPEN_STATUSES.includes(s));
        if (statuses.length === 0) return [];
        const single = layout.buckets === 1;
        const lists = await Promise.all(
          allBuckets().map((b) =>
            readIndex(
              b,
              statuses.map((s) => layout.key(b, `S:${s}`)),
              'desc',
              limit,
              single ? layout.key(b, 't:') : '',
            ),
          ),
        );
        const top = lists
          .flat()
          .sort((x, y) => y.score - x.score || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0))
          .slice(0, limit);
        tickets = (await fetchMissing(top, (id) => `t:${id}`)).filter((r): r is string => r !== null).map((raw) => decodeVersioned<Ticket>(raw));
      }
      return tickets.filter(keep).sort(newestFirst).slice(0, limit);
    },

    async listMessages(conversationId, afterN = -1) {
      await ready;
      return listMessages(conversationId, afterN);
    },

    async getTurnRecord(dedupeKey) {
      await ready;
      const b = await findLocation('D', dedupeKey);
      if (b === null) return null;
      const r = await readIn(b, async () => {
        const r = (await run('readTurn', [layout.pending(b), layout.key(b, `r:${dedupeKey}`)], [layout.base(b)])) as [string[], string | null, ...string[]];
        return { pending: r[0], value: r };
      });
      const raw = r[1];
      if (!raw) return null;
      if (!raw.startsWith('#')) return JSON.parse(raw) as TurnRecord;
      const { k, ...rest } = JSON.parse(raw.slice(1)) as Omit<TurnRecord, 'replies'> & { k: number };
      let entries = (r.slice(2) as string[]).map((x) => decodeMessage(rest.conversationId, x));
      const wanted = (list: TranscriptEntry[]) => Array.from({ length: k }, (_, i) => list.find((m) => m.n === rest.n + 1 + i));
      let replies = wanted(entries);
      if (replies.some((m) => !m)) {
        entries = await listMessages(rest.conversationId, rest.n);
        replies = wanted(entries);
      }
      return {
        ...rest,
        replies: replies.filter((m): m is TranscriptEntry => m !== undefined).map((m) => (m.quickReplies ? { text: m.text, quickReplies: m.quickReplies } : { text: m.text })),
      };
    },

    commit,

    async pendingEffects(now, limit = 100) {
      await ready;
      const nowMs = ms(now);
      const lists = await Promise.all(allBuckets().map((b) => dueIn(b, nowMs, limit)));
      const due = lists.flat().sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)).slice(0, limit);
      for (const e of due) remember(effectBuckets, e.id, layout.bucketOf(e.conversationId));
      return due;
    },

    async settleEffect(id, outcome) {
      await ready;
      const known = effectBuckets.get(id);
      const buckets = known !== undefined ? [known] : allBuckets();
      const args = outcome.done ? [id, 'done'] : [id, 'retry', outcome.retryAt, ms(outcome.retryAt)];
      await Promise.all(buckets.map((b) => run('settleEffect', [layout.key(b, 'e'), layout.key(b, 'E')], args)));
      if (outcome.done) effectBuckets.delete(id);
    },

    async getValue(key) {
      return client.get(`${prefix}kv:${key}`);
    },
    async setValue(key, value, ttlMs) {
      if (ttlMs === undefined) await client.set(`${prefix}kv:${key}`, value);
      else await client.set(`${prefix}kv:${key}`, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async close() {
      const settled = ready.catch(() => {});
      // Redis away (down, refusing our certificate): nothing to flush, and QUIT would wait for it to return,
      // holding shutdown for as long as it is gone. Commands still waiting are refused.
      if (client.status !== 'ready') {
        if (owned) client.disconnect();
        return;
      }
      await settled;
      // (A second close() finds the client ended: its QUIT fails and disconnect() does nothing.)
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };

  /** Records for index entries that came without them (cluster: fetched from their buckets, one script per bucket). */
  async function fetchMissing(entries: Array<{ id: string; raw: string | null; bucket: number }>, name: (id: string) => string): Promise<Array<string | null>> {
    const byBucket = new Map<number, number[]>();
    entries.forEach((e, i) => {
      if (e.raw !== null) return;
      const list = byBucket.get(e.bucket) ?? [];
      list.push(i);
      byBucket.set(e.bucket, list);
    });
    const out = entries.map((e) => e.raw);
    await Promise.all(
      [...byBucket].map(async ([b, idx]) => {
        const raws = await readKeys(
          b,
          idx.map((i) => layout.key(b, name(entries[i]!.id))),
        );
        idx.forEach((i, j) => (out[i] = raws[j] ?? null));
      }),
    );
    return out;
  }

  return store;
}
