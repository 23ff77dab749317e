import { DateTime } from 'luxon';
import type { Grade } from '../engine/packs/schema.ts';
import type { FlowInput, HandoffReason } from './types.ts';

/** Complaints by this customer inside the pack's risk window, counting the one being filed now. */
export function recentComplaints(input: FlowInput): number {
  const since = DateTime.fromISO(input.now).minus({ days: input.pack.tiers.risk.windowDays });
  return input.customer.complaintTimes.filter((at) => DateTime.fromISO(at) >= since).length + 1;
}

/** Whether filing this ticket should bring in a human because of who the customer is. */
export function tierHandoff(input: FlowInput, grade: Grade): HandoffReason | null {
  const { vip, risk } = input.pack.tiers;
  if (grade === 'major') return 'major';
  if (vip.handoff && input.customer.tags.includes(vip.tag)) return 'vip';
  if (risk.handoff && recentComplaints(input) >= risk.complaints) return 'risk_customer';
  return null;
}
