import { randomUUID } from 'node:crypto';
import type { ClaimedJob, JobPayload, ScheduledJob, Scheduler } from '../../../engine/scheduler/scheduler.ts';

interface Entry extends ScheduledJob {
  /** When it may next be handed out: runAt, or the end of the current lease. */
  dueMs: number;
  token: string;
}

/** In-process scheduler for tests and the memory store; gone when the process ends. */
export function createMemoryScheduler(): Scheduler {
  const jobs = new Map<string, Entry>();
  const copy = (e: Entry): ScheduledJob => ({ id: e.id, runAt: e.runAt, payload: structuredClone(e.payload), attempts: e.attempts });
  return {
    kind: 'memory',
    async schedule(id: string, runAt: string, payload: JobPayload) {
      jobs.set(id, { id, runAt, payload: structuredClone(payload), attempts: 0, dueMs: Date.parse(runAt), token: '' });
    },
    async cancel(id) {
      return jobs.delete(id);
    },
    async get(id) {
      const e = jobs.get(id);
      return e ? copy(e) : null;
    },
    async claim(now, leaseMs, limit) {
      const nowMs = Date.parse(now);
      const due = [...jobs.values()].filter((e) => e.dueMs <= nowMs).sort((a, b) => a.dueMs - b.dueMs || (a.id < b.id ? -1 : 1));
      return due.slice(0, limit).map((e): ClaimedJob => {
        e.attempts++;
        e.dueMs = nowMs + leaseMs;
        e.token = randomUUID();
        return { ...copy(e), token: e.token };
      });
    },
    async complete(id, token) {
      if (jobs.get(id)?.token === token) jobs.delete(id);
    },
    async close() {},
  };
}
