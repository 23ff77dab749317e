import { DateTime } from 'luxon';
import type { DialogState, Effect, FlowInput, HandoffReason, StepResult } from './types.ts';
import { say } from './replies.ts';

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** When a person will first look at the chat: soon inside working hours, else the next opening time. */
export function agentEta(input: FlowInput): { withinHours: boolean; at: string } {
  const { workingHours, expectedWait } = input.pack.handoff;
  const now = DateTime.fromISO(input.now, { zone: input.pack.timeZone });
  const minute = now.hour * 60 + now.minute;
  const open = minutesOf(workingHours.start);
  const close = minutesOf(workingHours.end);
  const wait = expectedWait.minutes ?? (expectedWait.hours ?? 0) * 60;
  if (minute >= open && minute < close) return { withinHours: true, at: now.plus({ minutes: wait }).toUTC().toISO()! };
  const day = minute >= close ? now.plus({ days: 1 }) : now;
  return { withinHours: false, at: day.startOf('day').plus({ minutes: open }).toUTC().toISO()! };
}

/** Moves the chat to the human queue and tells the customer honestly what happens next and roughly when. */
export function handOff(state: DialogState, input: FlowInput, reason: HandoffReason, ticketId?: string, lead: Effect[] = []): StepResult {
  const eta = agentEta(input);
  const id = ticketId ?? state.ticketId;
  const effects: Effect[] = [
    ...lead,
    { type: 'handoff', reason, ...(id ? { ticketId: id } : {}) },
    say(`handoff.${reason}`),
    say(eta.withinHours ? 'handoff.eta_soon' : 'handoff.eta_later', {
      minutes: input.pack.handoff.expectedWait.minutes ?? (input.pack.handoff.expectedWait.hours ?? 0) * 60,
      at: { time: eta.at },
    }),
  ];
  return {
    state: { ...state, status: 'waiting_for_agent', handoffReason: reason, misunderstood: 0, ...(id ? { ticketId: id } : {}) },
    effects,
  };
}
