import { DateTime } from 'luxon';
import type { Duration, Grade, Pack } from '../packs/schema.ts';

type Calendar = Pick<Pack, 'calendar' | 'timeZone'>;

export function isWorkingDay(pack: Calendar, day: DateTime): boolean {
  const iso = day.toISODate()!;
  if (pack.calendar.extraWorkingDays.includes(iso)) return true;
  if (pack.calendar.holidays.includes(iso)) return false;
  return pack.calendar.workingDays.includes(day.weekday);
}

/**
 * `from` plus a duration. Working days are counted on the pack's calendar in its time zone: a complaint
 * filed on Friday 15:00 with 3 working days is due Wednesday 15:00, skipping the weekend and any holiday.
 */
export function addDuration(pack: Calendar, from: string, d: Duration): string {
  // Calendar hours and minutes are the same in every zone: plain arithmetic on the instant.
  if (d.minutes !== undefined) return new Date(Date.parse(from) + d.minutes * 60_000).toISOString();
  if (d.hours !== undefined) return new Date(Date.parse(from) + Math.round(d.hours * 60) * 60_000).toISOString();
  const start = DateTime.fromISO(from, { zone: pack.timeZone });
  let day = start;
  let left = d.workingDays ?? 0;
  // Filed on a non-working day: the clock starts at the beginning of the next working day.
  if (!isWorkingDay(pack, day)) {
    while (!isWorkingDay(pack, day)) day = day.plus({ days: 1 });
    day = day.startOf('day');
  }
  while (left > 0) {
    day = day.plus({ days: 1 });
    if (isWorkingDay(pack, day)) left--;
  }
  return day.toUTC().toISO()!;
}

export function deadlinesFor(pack: Pick<Pack, 'calendar' | 'timeZone' | 'grades'>, grade: Grade, createdAt: string) {
  const rule = pack.grades[grade];
  return { respondBy: addDuration(pack, createdAt, rule.respondWithin), resolveBy: addDuration(pack, createdAt, rule.resolveWithin) };
}
