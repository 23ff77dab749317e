import { existsSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from './errors.ts';

function validRedisUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.hostname !== '' && /^(\/\d{0,5})?$/.test(u.pathname) && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  BOT: z.string().default('power-utility'),
  API_TOKEN: z.string().min(16, 'API_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_IDENTITY_SECRET: z.string().min(16, 'WEB_IDENTITY_SECRET must be at least 16 characters').optional(),
  /** sqlite unless REDIS_URL or REDIS_CLUSTER_NODES is set, then redis. */
  STORE: z.enum(['sqlite', 'memory', 'redis']).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://')
    // Checked without echoing the value: it may hold a password.
    .refine(validRedisUrl, 'REDIS_URL must look like redis://[user:password@]host[:port][/database number]')
    .optional(),
  /** A PEM file of the CA(s) that sign the Redis server's certificate (rediss:// only), for a private CA. */
  REDIS_TLS_CA_FILE: z.string().optional(),
  REDIS_CLUSTER_NODES: z.string().regex(/^\s*[^,\s]+:\d{1,5}\s*(,\s*[^,\s]+:\d{1,5}\s*)*$/, 'REDIS_CLUSTER_NODES must be host:port,host:port,...').optional(),
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/).default('intake:'),
  /** How long an instance that died can keep a conversation blocked (Redis only). */
  LEASE_TTL_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** How long a turn waits for its conversation to be free before answering 503. */
  LEASE_WAIT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** How often due deadline alarms are checked; 0 turns the checks off in this instance. */
  JOB_EVERY_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /** The public origin the platforms call (https://bot.example.com), when a proxy sits in front. */
  PUBLIC_URL: z.string().url('PUBLIC_URL must be a URL like https://bot.example.com').optional(),
  /** The SMS channel for later messages a customer's own channel refuses; default the one SMS channel enabled. */
  SMS_FALLBACK_CHANNEL: z.string().regex(/^[a-z][a-z0-9-]*$/).optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_000_000).default(64 * 1024),
  /** Where learned FAQ models are kept between starts (default DATA_DIR/models); `off` learns them on every start. */
  MODEL_CACHE_DIR: z.string().optional(),
});
export type Config = Omit<z.infer<typeof Env>, 'STORE'> & { STORE: 'sqlite' | 'memory' | 'redis' };

/** Reads the environment once at start-up; a bad value stops start-up naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const STORE = c.STORE ?? (c.REDIS_URL || c.REDIS_CLUSTER_NODES ? 'redis' : 'sqlite');
  if (STORE === 'redis' && !c.REDIS_URL && !c.REDIS_CLUSTER_NODES) {
    throw new AppError('CONFIG_INVALID', 'invalid configuration:\n  STORE: redis needs REDIS_URL or REDIS_CLUSTER_NODES');
  }
  if (c.REDIS_TLS_CA_FILE) {
    if (!c.REDIS_URL?.startsWith('rediss://')) {
      throw new AppError('CONFIG_INVALID', 'invalid configuration:\n  REDIS_TLS_CA_FILE: needs a rediss:// REDIS_URL (TLS)');
    }
    if (!existsSync(c.REDIS_TLS_CA_FILE)) {
      throw new AppError('CONFIG_INVALID', `invalid configuration:\n  REDIS_TLS_CA_FILE: no file at ${c.REDIS_TLS_CA_FILE}`);
    }
  }
  return { ...c, STORE };
}
