// Calendar days as whole numbers (days since 1970-01-01). Relative dates ("前天", "last Monday") are
// arithmetic on the customer's local calendar, which needs no time zone once "today" is known.
export type Day = number;
const MS = 86_400_000;

export function dayFromIso(iso: string): Day {
  const [y, m, d] = iso.split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!) / MS;
}

/** The day, or undefined for an impossible date such as 2 February 30. */
export function dayFromYmd(year: number, month: number, day: number): Day | undefined {
  const t = Date.UTC(year, month - 1, day);
  const back = new Date(t);
  return back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day ? t / MS : undefined;
}

export function isoOfDay(day: Day): string {
  return new Date(day * MS).toISOString().slice(0, 10);
}

/** ISO weekday, 1 = Monday. */
export function weekdayOf(day: Day): number {
  return ((new Date(day * MS).getUTCDay() + 6) % 7) + 1;
}

export function yearOf(day: Day): number {
  return new Date(day * MS).getUTCFullYear();
}
