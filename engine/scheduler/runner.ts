import type { Logger } from 'pino';
import type { Commit, OutboxEntry, Ticket } from '../domain.ts';
import type { Pack } from '../packs/schema.ts';
import type { Store } from '../store.ts';
import type { ClaimedJob, Scheduler } from './scheduler.ts';
import { isAppError } from '../errors.ts';
import { orderedId } from '../ids.ts';
import { applyJob, ladderJobs } from '../tickets/escalation.ts';

export interface JobRunnerOptions {
  pack: Pack;
  store: Store;
  scheduler: Scheduler;
  log: Logger;
  now: () => Date;
  /** How long a claimed job is this instance's; after that another instance may take it over. */
  leaseMs?: number;
  batch?: number;
}

/**
 * Claims due jobs and applies them. A job's effect is one store commit under the dedupe key
 * `job:<id>`, so a job run twice (a lease that ran out, a crash before `complete`) changes the ticket
 * once; the follow-up jobs it schedules are upserts by id, so repeating them is harmless too.
 */
export function createJobRunner(o: JobRunnerOptions) {
  const leaseMs = o.leaseMs ?? 60_000;
  let running: Promise<number> | undefined;

  async function apply(job: ClaimedJob): Promise<void> {
    const now = o.now().toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      const ticket = await o.store.getTicket(job.payload.ticketId);
      if (!ticket) return;
      if (job.payload.kind === 'deadline' && job.payload.deadline === 'resolve' && ticket.status !== 'resolved' && ticket.status !== 'closed') {
        for (const next of ladderJobs(o.pack, ticket)) await o.scheduler.schedule(next.id, next.runAt, next.payload);
      }
      const result = applyJob(o.pack, ticket, job.payload, now);
      if (!result) return;
      try {
        await o.store.commit(escalationCommit(job, ticket, result.ticket, now));
        o.log.info({ ticketId: ticket.id, job: job.id, level: result.ticket.escalationLevel }, 'ticket overdue: escalated');
        return;
      } catch (err) {
        if (isAppError(err, 'DUPLICATE')) return;
        if (!isAppError(err, 'CONFLICT')) throw err;
      }
    }
    throw new Error(`job ${job.id}: the ticket kept changing under it`);
  }

  async function tick(): Promise<number> {
    const jobs = await o.scheduler.claim(o.now().toISOString(), leaseMs, o.batch ?? 50);
    for (const job of jobs) {
      try {
        await apply(job);
        await o.scheduler.complete(job.id, job.token);
      } catch (err) {
        // Left claimed: the lease runs out and this or another instance tries again.
        o.log.warn({ err, job: job.id, attempts: job.attempts }, 'scheduled job failed; will retry when its lease ends');
      }
    }
    return jobs.length;
  }

  return {
    /** Runs everything due now; overlapping calls share one pass. */
    tick(): Promise<number> {
      running ??= tick().finally(() => (running = undefined));
      return running;
    },
    /** Resolves when the pass in progress (if any) is done. */
    async idle(): Promise<void> {
      await running?.catch(() => {});
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;

function escalationCommit(job: ClaimedJob, before: Ticket, after: Ticket, now: string): Commit {
  const effect: OutboxEntry = {
    id: orderedId('ob'),
    kind: 'event',
    conversationId: after.conversationId,
    name: 'ticket_escalated',
    data: { ticketId: after.id, level: after.escalationLevel, job: job.id },
    createdAt: now,
    notBefore: now,
    attempts: 0,
  };
  return {
    dedupe: { key: `job:${job.id}`, record: { conversationId: after.conversationId, n: -1, replies: [], status: 'bot' } },
    tickets: [{ value: after, expectedVersion: before.version }],
    effects: [effect],
  };
}
