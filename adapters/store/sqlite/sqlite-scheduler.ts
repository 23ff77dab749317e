import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ClaimedJob, JobPayload, ScheduledJob, Scheduler } from '../../../engine/scheduler/scheduler.ts';

interface Row {
  id: string;
  run_at: string;
  payload: string;
  attempts: number;
}

/**
 * Embedded scheduler: its own file beside the store's (scheduler.db), WAL, FULL sync. `due_ms` is
 * runAt until the job is claimed, then the end of the lease, so one index serves both.
 */
export function createSqliteScheduler(options: { dataDir: string; synchronous?: 'FULL' | 'NORMAL' }): Scheduler {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, 'scheduler.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    run_at TEXT NOT NULL,
    due_ms INTEGER NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    token TEXT NOT NULL DEFAULT ''
  ) STRICT;
  CREATE INDEX IF NOT EXISTS jobs_due ON jobs (due_ms);`);
  const q = {
    upsert: db.prepare(
      `INSERT INTO jobs (id, run_at, due_ms, payload, attempts, token) VALUES (?, ?, ?, ?, 0, '')
       ON CONFLICT (id) DO UPDATE SET run_at = excluded.run_at, due_ms = excluded.due_ms, payload = excluded.payload, attempts = 0, token = ''`,
    ),
    remove: db.prepare<[string]>('DELETE FROM jobs WHERE id = ?'),
    get: db.prepare<[string], Row>('SELECT id, run_at, payload, attempts FROM jobs WHERE id = ?'),
    due: db.prepare<[number, number], Row>('SELECT id, run_at, payload, attempts FROM jobs WHERE due_ms <= ? ORDER BY due_ms, id LIMIT ?'),
    lease: db.prepare<[number, string, string]>('UPDATE jobs SET due_ms = ?, attempts = attempts + 1, token = ? WHERE id = ?'),
    complete: db.prepare<[string, string]>('DELETE FROM jobs WHERE id = ? AND token = ?'),
  };
  const toJob = (r: Row): ScheduledJob => ({ id: r.id, runAt: r.run_at, payload: JSON.parse(r.payload) as JobPayload, attempts: r.attempts });
  const claim = db.transaction((nowMs: number, leaseMs: number, limit: number): ClaimedJob[] =>
    q.due.all(nowMs, limit).map((r) => {
      const token = randomUUID();
      q.lease.run(nowMs + leaseMs, token, r.id);
      return { ...toJob(r), attempts: r.attempts + 1, token };
    }),
  );
  return {
    kind: 'sqlite',
    async schedule(id, runAt, payload) {
      q.upsert.run(id, runAt, Date.parse(runAt), JSON.stringify(payload));
    },
    async cancel(id) {
      return q.remove.run(id).changes > 0;
    },
    async get(id) {
      const r = q.get.get(id);
      return r ? toJob(r) : null;
    },
    async claim(now, leaseMs, limit) {
      return claim.immediate(Date.parse(now), leaseMs, limit);
    },
    async complete(id, token) {
      q.complete.run(id, token);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
