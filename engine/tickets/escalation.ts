import type { Ticket, TicketEvent } from '../domain.ts';
import type { Pack } from '../packs/schema.ts';
import type { JobPayload } from '../scheduler/scheduler.ts';
import { addDuration } from './deadlines.ts';
import { isOpen } from './lifecycle.ts';

// DOMAIN.md §4: every step has a maximum time, and overdue work escalates by itself. A ticket that
// passes its respond-by or resolve-by time without the matching event is marked overdue and goes one
// level up the pack's ladder at once; while it stays unresolved, the later rungs follow at the times
// the ladder names (e.g. 72 h overdue: department head), counted from the resolve-by time.

export interface Job {
  id: string;
  runAt: string;
  payload: JobPayload;
}

type Ladder = Pick<Pack, 'escalation' | 'calendar' | 'timeZone'>;

export const deadlineJobId = (ticketId: string, deadline: 'respond' | 'resolve') => `${ticketId}:${deadline}`;
export const ladderJobId = (ticketId: string, level: number) => `${ticketId}:level${level}`;

/** The two jobs every new ticket gets. */
export function deadlineJobs(ticket: Pick<Ticket, 'id' | 'respondBy' | 'resolveBy'>): Job[] {
  return (['respond', 'resolve'] as const).map((deadline) => ({
    id: deadlineJobId(ticket.id, deadline),
    runAt: deadline === 'respond' ? ticket.respondBy : ticket.resolveBy,
    payload: { kind: 'deadline', ticketId: ticket.id, deadline },
  }));
}

/** Rungs above the first with a time of their own, from the resolve-by time of this ticket. */
export function ladderJobs(pack: Ladder, ticket: Pick<Ticket, 'id' | 'resolveBy'>): Job[] {
  return pack.escalation
    .filter((step) => step.level > 1 && step.afterOverdue)
    .map((step) => ({
      id: ladderJobId(ticket.id, step.level),
      runAt: addDuration(pack, ticket.resolveBy, step.afterOverdue!),
      payload: { kind: 'ladder', ticketId: ticket.id, level: step.level },
    }));
}

/** Jobs to call off after an agent event: answered tickets need no respond alarm, finished ones none at all. */
export function jobsToCancel(pack: Ladder, ticket: Pick<Ticket, 'id' | 'status'>): string[] {
  if (ticket.status === 'new') return [];
  const ids = [deadlineJobId(ticket.id, 'respond')];
  if (!isOpen(ticket.status)) {
    ids.push(deadlineJobId(ticket.id, 'resolve'));
    for (const step of pack.escalation) if (step.level > 1) ids.push(ladderJobId(ticket.id, step.level));
  }
  return ids;
}

const topLevel = (pack: Ladder) => Math.max(...pack.escalation.map((s) => s.level));
const roleOf = (pack: Ladder, level: number) => pack.escalation.find((s) => s.level === level)?.role ?? `level_${level}`;

/**
 * What a due job does to its ticket, or null when the ticket already got what the job checks for
 * (an answer, a resolution, or a higher level). Pure: the runner commits the result.
 */
export function applyJob(pack: Ladder, ticket: Ticket, payload: JobPayload, now: string): { ticket: Ticket; event: TicketEvent } | null {
  if (!isOpen(ticket.status)) return null;
  let level: number;
  let event: TicketEvent;
  if (payload.kind === 'deadline') {
    // Respond-by is kept by any agent event that moves the ticket on from "new".
    if (payload.deadline === 'respond' && ticket.status !== 'new') return null;
    if (ticket.overdue?.includes(payload.deadline)) return null;
    level = Math.min(topLevel(pack), ticket.escalationLevel + 1);
    event = { at: now, type: 'overdue', by: 'system', data: { deadline: payload.deadline, from: ticket.escalationLevel, level, role: roleOf(pack, level) } };
  } else {
    if (ticket.escalationLevel >= payload.level) return null;
    level = payload.level;
    event = { at: now, type: 'escalated', by: 'system', data: { from: ticket.escalationLevel, level, role: roleOf(pack, level) } };
  }
  const overdue = payload.kind === 'deadline' ? [...(ticket.overdue ?? []), payload.deadline] : (ticket.overdue ?? []);
  return { ticket: { ...ticket, escalationLevel: level, overdue, updatedAt: now, timeline: [...ticket.timeline, event] }, event };
}
