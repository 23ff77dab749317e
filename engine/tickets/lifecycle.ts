import { AppError } from '../errors.ts';
import type { TicketStatus } from '../domain.ts';

export type AgentEventType = 'acknowledged' | 'progress' | 'resolved' | 'closed' | 'reopened' | 'note';

// Which status each agent event leads to, and from where. A note changes nothing.
const NEXT: Record<AgentEventType, { to: TicketStatus | null; from: TicketStatus[] }> = {
  acknowledged: { to: 'acknowledged', from: ['new'] },
  progress: { to: 'in_progress', from: ['new', 'acknowledged', 'in_progress', 'reopened'] },
  resolved: { to: 'resolved', from: ['new', 'acknowledged', 'in_progress', 'reopened'] },
  closed: { to: 'closed', from: ['resolved'] },
  reopened: { to: 'reopened', from: ['resolved', 'closed'] },
  note: { to: null, from: ['new', 'acknowledged', 'in_progress', 'resolved', 'closed', 'reopened'] },
};

export function nextStatus(current: TicketStatus, event: AgentEventType): TicketStatus {
  const rule = NEXT[event];
  if (!rule.from.includes(current)) {
    throw new AppError('INVALID_TRANSITION', `a ${current} ticket cannot take a "${event}" event`);
  }
  return rule.to ?? current;
}

export const OPEN_STATUSES: TicketStatus[] = ['new', 'acknowledged', 'in_progress', 'reopened'];
export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
