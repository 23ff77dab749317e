import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Commit, Conversation, Customer, OutboxEntry, Ticket, TranscriptEntry, TurnRecord } from '../../../engine/domain.ts';
import type { Store, TicketFilter } from '../../../engine/store.ts';
import { OPEN_STATUSES } from '../../../engine/tickets/lifecycle.ts';
import { conflict, duplicate, nextVersion } from '../commit-checks.ts';
import { SCHEMA } from './schema.ts';

export interface SqliteOptions {
  /** Folder for the database file; created if missing. */
  dataDir: string;
  /** FULL syncs every commit to disk (survives power loss); NORMAL survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL';
}

type Row = { data: string };
const parse = <T>(row: Row | undefined): T | null => (row ? (JSON.parse(row.data) as T) : null);

/** The embedded default: one SQLite file under DATA_DIR, WAL mode, every commit one transaction. */
export function createSqliteStore(options: SqliteOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, 'intake.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);

  const q = {
    convByUser: db.prepare<[string, string], Row>('SELECT data FROM conversations WHERE channel = ? AND channel_user_id = ?'),
    convById: db.prepare<[string], Row>('SELECT data FROM conversations WHERE id = ?'),
    convInsert: db.prepare(
      'INSERT INTO conversations (id, channel, channel_user_id, customer_id, status, version, updated_at, data) VALUES (@id, @channel, @channelUserId, @customerId, @status, @version, @updatedAt, @data)',
    ),
    convUpdate: db.prepare(
      'UPDATE conversations SET customer_id = @customerId, status = @status, version = @version, updated_at = @updatedAt, data = @data WHERE id = @id AND version = @expected',
    ),
    convList: db.prepare<[string | null, string | null, number], Row>(
      'SELECT data FROM conversations WHERE (? IS NULL OR status = ?) ORDER BY updated_at LIMIT ?',
    ),
    custById: db.prepare<[string], Row>('SELECT data FROM customers WHERE id = ?'),
    custByPhone: db.prepare<[string], Row>("SELECT data FROM customers WHERE phone = ? ORDER BY coalesce(json_extract(data, '$.phoneVerified'), 0) DESC, updated_at DESC LIMIT 1"),
    custInsert: db.prepare('INSERT INTO customers (id, phone, version, updated_at, data) VALUES (@id, @phone, @version, @updatedAt, @data)'),
    custUpdate: db.prepare(
      'UPDATE customers SET phone = @phone, version = @version, updated_at = @updatedAt, data = @data WHERE id = @id AND version = @expected',
    ),
    ticketById: db.prepare<[string], Row>('SELECT data FROM tickets WHERE id = ?'),
    ticketInsert: db.prepare(
      'INSERT INTO tickets (id, customer_id, status, version, created_at, updated_at, data) VALUES (@id, @customerId, @status, @version, @createdAt, @updatedAt, @data)',
    ),
    ticketUpdate: db.prepare(
      'UPDATE tickets SET status = @status, version = @version, updated_at = @updatedAt, data = @data WHERE id = @id AND version = @expected',
    ),
    versionOf: {
      conversations: db.prepare<[string], { version: number }>('SELECT version FROM conversations WHERE id = ?'),
      customers: db.prepare<[string], { version: number }>('SELECT version FROM customers WHERE id = ?'),
      tickets: db.prepare<[string], { version: number }>('SELECT version FROM tickets WHERE id = ?'),
    },
    msgInsert: db.prepare('INSERT INTO messages (conversation_id, n, data) VALUES (?, ?, ?)'),
    msgList: db.prepare<[string, number], Row>('SELECT data FROM messages WHERE conversation_id = ? AND n > ? ORDER BY n'),
    turnGet: db.prepare<[string], Row>('SELECT data FROM turns WHERE key = ?'),
    turnInsert: db.prepare('INSERT INTO turns (key, created_at, data) VALUES (?, ?, ?)'),
    kvGet: db.prepare<[string], { value: string; expires_ms: number | null }>('SELECT value, expires_ms FROM kv WHERE key = ?'),
    kvSet: db.prepare('INSERT INTO kv (key, value, expires_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_ms = excluded.expires_ms'),
    outboxInsert: db.prepare('INSERT INTO outbox (id, not_before, data) VALUES (?, ?, ?)'),
    outboxDue: db.prepare<[string, number], Row>('SELECT data FROM outbox WHERE not_before <= ? ORDER BY id LIMIT ?'),
    outboxGet: db.prepare<[string], Row>('SELECT data FROM outbox WHERE id = ?'),
    outboxDelete: db.prepare('DELETE FROM outbox WHERE id = ?'),
    outboxRetry: db.prepare('UPDATE outbox SET not_before = ?, data = ? WHERE id = ?'),
  };

  function write<T extends { id: string; updatedAt: string }>(
    table: 'conversations' | 'customers' | 'tickets',
    v: { value: T; expectedVersion: number | null },
    insert: Database.Statement,
    update: Database.Statement,
    columns: (value: T) => Record<string, unknown>,
  ): void {
    const version = nextVersion(v);
    const row = { ...columns(v.value), id: v.value.id, version, updatedAt: v.value.updatedAt, data: JSON.stringify({ ...v.value, version }) };
    if (v.expectedVersion === null) {
      try {
        insert.run(row);
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
          throw conflict(table.slice(0, -1), v.value.id, null, q.versionOf[table].get(v.value.id)?.version ?? 1);
        }
        throw err;
      }
      return;
    }
    const changed = update.run({ ...row, expected: v.expectedVersion }).changes;
    if (changed !== 1) throw conflict(table.slice(0, -1), v.value.id, v.expectedVersion, q.versionOf[table].get(v.value.id)?.version ?? null);
  }

  const applyCommit = (c: Commit) => {
    if (c.dedupe) {
      if (q.turnGet.get(c.dedupe.key)) throw duplicate(c.dedupe.key);
      q.turnInsert.run(c.dedupe.key, new Date().toISOString(), JSON.stringify(c.dedupe.record));
    }
    if (c.conversation) {
      write('conversations', c.conversation, q.convInsert, q.convUpdate, (v: Conversation) => ({
        channel: v.channel,
        channelUserId: v.channelUserId,
        customerId: v.customerId,
        status: v.dialog.status,
      }));
    }
    for (const v of c.customers ?? []) write('customers', v, q.custInsert, q.custUpdate, (x: Customer) => ({ phone: x.phone ?? null }));
    for (const v of c.tickets ?? []) {
      write('tickets', v, q.ticketInsert, q.ticketUpdate, (x: Ticket) => ({ customerId: x.customerId, status: x.status, createdAt: x.createdAt }));
    }
    for (const m of c.messages ?? []) q.msgInsert.run(m.conversationId, m.n, JSON.stringify(m));
    for (const e of c.effects ?? []) q.outboxInsert.run(e.id, e.notBefore, JSON.stringify(e));
  };

  // Ticket filters combine into a handful of SQL shapes; each is prepared once.
  const listStatements = new Map<string, Database.Statement<unknown[], Row>>();

  // Group commit: writes that arrive in the same tick share one transaction and so one fsync; better-sqlite3
  // nests each in a savepoint, so a write that fails (a CONFLICT) rolls back alone. Callers still hear
  // back only once their write is on disk.
  type Write = { apply: () => void; resolve: () => void; reject: (err: unknown) => void };
  let pending: Write[] = [];
  const one = db.transaction((apply: () => void) => apply());
  const writeBatch = db.transaction((items: Write[]) =>
    items.map((item) => {
      try {
        one(item.apply);
        return null;
      } catch (err) {
        return err;
      }
    }),
  );
  // Finished effects are deleted with the next batch rather than in a batch (and fsync) of their own.
  // Until then they are hidden from pendingEffects; a crash before that batch at worst sends one again,
  // which an outbox allows anyway (delivery is at least once).
  let finished = new Set<string>();
  let lazyTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (lazyTimer) clearTimeout(lazyTimer);
    lazyTimer = undefined;
    const done = [...finished];
    finished = new Set();
    if (done.length) pending.unshift({ apply: () => done.forEach((id) => q.outboxDelete.run(id)), resolve: () => {}, reject: () => {} });
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    let outcomes: unknown[];
    try {
      outcomes = writeBatch(items);
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    items.forEach((item, i) => (outcomes[i] ? item.reject(outcomes[i]) : item.resolve()));
  };
  const enqueue = (apply: () => void) =>
    new Promise<void>((resolve, reject) => {
      if (!db.open) return reject(new Error('the SQLite store is closed'));
      pending.push({ apply, resolve, reject });
      if (pending.length === 1) setImmediate(flush);
    });

  return {
    kind: 'sqlite',
    async findConversation(channel, channelUserId) {
      return parse<Conversation>(q.convByUser.get(channel, channelUserId));
    },
    async getConversation(id) {
      return parse<Conversation>(q.convById.get(id));
    },
    async listConversations({ status, limit = 100 }) {
      return q.convList.all(status ?? null, status ?? null, limit).map((r) => JSON.parse(r.data) as Conversation);
    },
    async getCustomer(id) {
      return parse<Customer>(q.custById.get(id));
    },
    async findCustomerByPhone(phone) {
      return parse<Customer>(q.custByPhone.get(phone));
    },
    async getTicket(id) {
      return parse<Ticket>(q.ticketById.get(id));
    },
    async listTickets(filter: TicketFilter & { limit?: number }) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.status) {
        where.push('status = ?');
        args.push(filter.status);
      }
      if (filter.customerId) {
        where.push('customer_id = ?');
        args.push(filter.customerId);
      }
      if (filter.open) where.push(`status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`);
      const sql = `SELECT data FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
      let statement = listStatements.get(sql);
      if (!statement) listStatements.set(sql, (statement = db.prepare<unknown[], Row>(sql)));
      return statement
        .all(...args, filter.limit ?? 100)
        .map((r) => JSON.parse(r.data) as Ticket);
    },
    async listMessages(conversationId, afterN = -1) {
      return q.msgList.all(conversationId, afterN).map((r) => JSON.parse(r.data) as TranscriptEntry);
    },
    async getTurnRecord(key) {
      return parse<TurnRecord>(q.turnGet.get(key));
    },
    commit(c) {
      return enqueue(() => applyCommit(c));
    },
    async pendingEffects(now, limit = 100) {
      return q.outboxDue
        .all(now, limit + finished.size)
        .map((r) => JSON.parse(r.data) as OutboxEntry)
        .filter((e) => !finished.has(e.id))
        .slice(0, limit);
    },
    settleEffect(id, outcome) {
      if (outcome.done) {
        finished.add(id);
        lazyTimer ??= setTimeout(flush, 50);
        return Promise.resolve();
      }
      return enqueue(() => {
        const e = parse<OutboxEntry>(q.outboxGet.get(id));
        if (e) q.outboxRetry.run(outcome.retryAt, JSON.stringify({ ...e, attempts: e.attempts + 1, notBefore: outcome.retryAt }), id);
      });
    },
    async getValue(key) {
      const row = q.kvGet.get(key);
      return row && (row.expires_ms === null || row.expires_ms > Date.now()) ? row.value : null;
    },
    async setValue(key, value, ttlMs) {
      await enqueue(() => void q.kvSet.run(key, value, ttlMs === undefined ? null : Date.now() + ttlMs));
    },
    async close() {
      flush();
      if (db.open) db.close();
    },
  };
}
