/** What a scheduled job asks for. Kept small and plain: it is stored as JSON until it runs. */
export type JobPayload =
  | { kind: 'deadline'; ticketId: string; deadline: 'respond' | 'resolve' }
  /** A later rung of the pack's escalation ladder, reached when the ticket stays overdue this long. */
  | { kind: 'ladder'; ticketId: string; level: number };

export interface ScheduledJob {
  id: string;
  runAt: string;
  payload: JobPayload;
  /** How many times it has been claimed. */
  attempts: number;
}

export interface ClaimedJob extends ScheduledJob {
  /** Proves this claim is the current one: completing with an older claim's token does nothing. */
  token: string;
}

/**
 * Durable timed work. Every implementation (memory, SQLite, Redis) passes test/scheduler/conformance.ts.
 * A claim is a lease: a job that is claimed and not completed before the lease ends is handed out
 * again, so a crash between claim and completion delays the job but never loses it. The job's effect
 * must therefore be idempotent (the runner keys it by job id).
 */
export interface Scheduler {
  readonly kind: string;
  /** Creates or replaces the job with this id. */
  schedule(jobId: string, runAt: string, payload: JobPayload): Promise<void>;
  /** Removes the job; true when it was there. */
  cancel(jobId: string): Promise<boolean>;
  get(jobId: string): Promise<ScheduledJob | null>;
  /** Up to `limit` jobs due at `now`, earliest first, each leased for `leaseMs`. */
  claim(now: string, leaseMs: number, limit: number): Promise<ClaimedJob[]>;
  /** Removes a claimed job once its effect is done, unless it was re-scheduled or re-claimed since. */
  complete(jobId: string, token: string): Promise<void>;
  close(): Promise<void>;
}
