import { AppError } from '../../engine/errors.ts';
import type { Customer, Versioned } from '../../engine/domain.ts';

/** The version a record gets when a commit writes it: one past the version the writer read. */
export function nextVersion<T>(v: Versioned<T>): number {
  return (v.expectedVersion ?? 0) + 1;
}

export function conflict(what: string, id: string, expected: number | null, found: number | null): AppError {
  const saw = found === null ? 'absent' : `version ${found}`;
  const wanted = expected === null ? 'absent' : `version ${expected}`;
  return new AppError('CONFLICT', `${what} ${id} changed concurrently: expected ${wanted}, found ${saw}`);
}

export function duplicate(key: string): AppError {
  return new AppError('DUPLICATE', `message ${key} was already processed`);
}

/**
 * Which of the records carrying one phone answers for it: the one that proved the number (texted from it,
 * or typed back a code sent to it), else the newest. A record where someone only typed the number must
 * not win over its owner's.
 */
export function provedThenNewest(a: Customer, b: Customer): number {
  if (Boolean(a.phoneVerified) !== Boolean(b.phoneVerified)) return a.phoneVerified ? -1 : 1;
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0;
}
