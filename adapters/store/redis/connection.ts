import { readFileSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { AppError } from '../../../engine/errors.ts';

export type RedisClient = Redis | Cluster;

export interface RedisSettings {
  /** redis:// or rediss:// URL, with optional password and database number (redis://:pw@host:6379/2). */
  url?: string;
  /** host:port,host:port: seed nodes of a Redis Cluster. Wins over `url` when both are set. */
  clusterNodes?: string;
  /** PEM file of the CA(s) to trust for rediss://, beside Node's own: a private CA's Redis. */
  tlsCaFile?: string;
}

/** TLS options for a rediss:// URL: Node's trusted CAs, and the operator's own if given. */
function tlsFor(url: URL | undefined, caFile: string | undefined): { tls?: { ca?: Buffer[] } } {
  if (url?.protocol !== 'rediss:') return {};
  return { tls: caFile ? { ca: [readFileSync(caFile)] } : {} };
}

/** Masks the password so a URL can be logged. */
export function maskRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

function parseNodes(spec: string): Array<{ host: string; port: number }> {
  return spec.split(',').map((part) => {
    const m = /^\s*\[?([^\]\s]+?)\]?:(\d{1,5})\s*$/.exec(part);
    if (!m) throw new AppError('CONFIG_INVALID', `REDIS_CLUSTER_NODES: "${part.trim()}" is not host:port`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

/**
 * One client for the settings. Commands queue while (re)connecting instead of failing, so a Redis
 * restart delays turns rather than dropping them; callers bound the wait with their own timeouts.
 */
export function connectRedis(s: RedisSettings, name = 'intake'): RedisClient {
  if (s.clusterNodes) {
    const url = s.url ? new URL(s.url) : undefined;
    return withReports(new Cluster(parseNodes(s.clusterNodes), {
      scaleReads: 'master',
      redisOptions: {
        connectionName: name,
        ...(url?.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(url?.username ? { username: decodeURIComponent(url.username) } : {}),
        ...tlsFor(url, s.tlsCaFile),
      },
    }));
  }
  if (!s.url) throw new AppError('CONFIG_INVALID', 'REDIS_URL or REDIS_CLUSTER_NODES must be set to use the Redis store');
  if (!/^rediss?:\/\//.test(s.url)) throw new AppError('CONFIG_INVALID', `REDIS_URL must start with redis:// or rediss:// (got ${maskRedisUrl(s.url)})`);
  return withReports(new Redis(s.url, { connectionName: name, maxRetriesPerRequest: null, enableOfflineQueue: true, ...tlsFor(new URL(s.url), s.tlsCaFile) }));
}

function withReports<T extends RedisClient>(client: T): T {
  reportConnectionErrors(client, (message) => process.stderr.write(`redis: ${message}\n`));
  return client;
}

/**
 * While Redis is down the client retries and emits an error per attempt. Without a listener ioredis
 * prints each one; this reports at most one line per interval, with the error's message only.
 */
export function reportConnectionErrors(client: RedisClient, report: (message: string) => void, everyMs = 10_000): void {
  let last = 0;
  let missed = 0;
  client.removeAllListeners('error');
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (now - last < everyMs) {
      missed++;
      return;
    }
    report(missed ? `${err.message} (and ${missed} more errors since the last report)` : err.message);
    last = now;
    missed = 0;
  });
}

/** Whether the client is a cluster client (keys of one script must share a hash slot). */
export const isCluster = (c: RedisClient): c is Cluster => c instanceof Cluster;
