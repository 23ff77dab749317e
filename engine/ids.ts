import { randomBytes } from 'node:crypto';
import { localDate } from './local-time.ts';

// Crockford base32: no I, L, O, U, so a number read aloud or typed from a screenshot survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// One system call fills many ids: random bytes are drawn from a pool refilled 4 KiB at a time.
let pool = randomBytes(4096);
let offset = 0;

export function randomCode(length: number): string {
  if (offset + length > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[pool[offset++]! % 32];
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomCode(16).toLowerCase()}`;
}

/** Complaint numbers customers read out: PREFIX-YYYYMMDD-XXXXXX, dated in the pack's time zone. */
export function newTicketId(prefix: string, now: string, timeZone: string): string {
  const day = localDate(now, timeZone).replace(/-/g, '');
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
