import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';

// Crockford base32: no I, L, O, U, so a number read aloud or typed from a screenshot survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function randomCode(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomCode(16).toLowerCase()}`;
}

/** Complaint numbers customers read out: PREFIX-YYYYMMDD-XXXXXX, dated in the pack's time zone. */
export function newTicketId(prefix: string, now: string, timeZone: string): string {
  const day = DateTime.fromISO(now, { zone: timeZone }).toFormat('yyyyLLdd');
  return `${prefix}-${day}-${randomCode(6)}`;
}

let lastMs = 0;
let counter = 0;
/** Ids that sort in creation order (time, then a per-process counter), so outbox entries run in sequence. */
export function orderedId(prefix: string): string {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  return `${prefix}_${ms.toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${randomCode(6).toLowerCase()}`;
}
