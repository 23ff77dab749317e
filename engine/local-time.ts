// Intl formatters are costly to build and cheap to reuse: one per zone (and locale) for the process.
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

export interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  weekday: number;
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

// Most instants formatted in a turn are "now" or close to it: remember the last few hundred minutes.
const byMinute = new Map<string, Omit<LocalParts, 'minute'> & { minuteBase: number }>();

/** Wall-clock parts of an instant in a time zone. */
export function localParts(iso: string | Date, timeZone: string): LocalParts {
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  // Every zone in use today is offset by whole minutes, so the parts of one minute apply to all its seconds.
  const key = `${timeZone}\u0000${Math.floor(at.getTime() / 60_000)}`;
  const hit = byMinute.get(key);
  if (hit) {
    const { minuteBase, ...rest } = hit;
    return { ...rest, minute: String(minuteBase).padStart(2, '0') };
  }
  const parts = computeParts(at, timeZone);
  if (byMinute.size >= 512) byMinute.delete(byMinute.keys().next().value!);
  const { minute, ...rest } = parts;
  byMinute.set(key, { ...rest, minuteBase: Number(minute) });
  return parts;
}

function computeParts(at: Date, timeZone: string): LocalParts {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    partsFormatters.set(timeZone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(at)) out[p.type] = p.value;
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour!, minute: out.minute!, weekday: WEEKDAY[out.weekday!] ?? 0 };
}

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(iso: string | Date, timeZone: string): string {
  const p = localParts(iso, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}
