import pino, { type Logger } from 'pino';

// Personal data never reaches the log: phone numbers, ID-card numbers and long digit runs (accounts,
// cards) are masked wherever they occur in a logged string, and known secret fields are redacted.
const PATTERNS: Array<[RegExp, (m: string) => string]> = [
  [/\d{17}[\dXx]/g, (m) => `${m.slice(0, 3)}***********${m.slice(-2)}`],
  [/(?:\+|00)?\d[\d -]{9,}\d/g, (m) => {
    const digits = m.replace(/\D/g, '');
    return digits.length < 7 ? m : `${digits.slice(0, 3)}****${digits.slice(-2)}`;
  }],
];

export function maskText(text: string): string {
  return PATTERNS.reduce((s, [re, fn]) => s.replace(re, fn), text);
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['token', 'secret', 'password', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', '*.token', '*.secret', 'text', '*.text', 'name', '*.name'],
        censor: '[redacted]',
      },
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskText(a) : a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    destination,
  );
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
