import { randomUUID } from 'node:crypto';
import type { ClaimedJob, JobPayload, ScheduledJob, Scheduler } from '../../../engine/scheduler/scheduler.ts';
import { connectRedis, type RedisClient, type RedisSettings } from './connection.ts';

// Layout: one sorted set of job ids scored by when each may next be handed out (runAt, or the end of
// its lease once claimed), and one small hash per job. All keys share the {sched} hash tag so the
// claim script runs in one slot on a Cluster too.

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i, id in ipairs(ids) do
  local key = ARGV[5] .. id
  if redis.call('EXISTS', key) == 1 then
    local token = ARGV[4] .. ':' .. i
    local attempts = redis.call('HINCRBY', key, 'a', 1)
    redis.call('HSET', key, 't', token)
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
    local f = redis.call('HMGET', key, 'r', 'p')
    table.insert(out, {id, f[1], f[2], attempts, token})
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`;

const COMPLETE = `
if redis.call('HGET', KEYS[2], 't') == ARGV[2] then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0`;

const SCHEDULE = `
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'r', ARGV[2], 'p', ARGV[3], 'a', 0)
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
return 0`;

const CANCEL = `
local n = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return n`;

interface Scripts {
  schedClaim(due: string, now: number, lease: number, limit: number, tokenBase: string, jobPrefix: string): Promise<Array<[string, string, string, number, string]>>;
  schedComplete(due: string, job: string, id: string, token: string): Promise<number>;
  schedSchedule(due: string, job: string, id: string, runAt: string, payload: string, dueMs: number): Promise<number>;
  schedCancel(due: string, job: string, id: string): Promise<number>;
}

export function createRedisScheduler(o: { client?: RedisClient; settings?: RedisSettings; prefix?: string }): Scheduler {
  const owned = !o.client;
  const client = o.client ?? connectRedis(o.settings ?? {}, 'intake-scheduler');
  const r = client as RedisClient & Scripts;
  if (!('schedClaim' in r)) {
    client.defineCommand('schedClaim', { numberOfKeys: 1, lua: CLAIM });
    client.defineCommand('schedComplete', { numberOfKeys: 2, lua: COMPLETE });
    client.defineCommand('schedSchedule', { numberOfKeys: 2, lua: SCHEDULE });
    client.defineCommand('schedCancel', { numberOfKeys: 2, lua: CANCEL });
  }
  const base = `${o.prefix ?? 'intake:'}{sched}`;
  const due = `${base}:due`;
  const jobPrefix = `${base}:job:`;
  const jobKey = (id: string) => jobPrefix + id;
  return {
    kind: 'redis',
    async schedule(id, runAt, payload) {
      await r.schedSchedule(due, jobKey(id), id, runAt, JSON.stringify(payload), Date.parse(runAt));
    },
    async cancel(id) {
      return (await r.schedCancel(due, jobKey(id), id)) > 0;
    },
    async get(id): Promise<ScheduledJob | null> {
      const [runAt, payload, attempts] = await client.hmget(jobKey(id), 'r', 'p', 'a');
      if (!runAt || !payload) return null;
      return { id, runAt, payload: JSON.parse(payload) as JobPayload, attempts: Number(attempts ?? 0) };
    },
    async claim(now, leaseMs, limit): Promise<ClaimedJob[]> {
      const rows = await r.schedClaim(due, Date.parse(now), leaseMs, limit, randomUUID(), jobPrefix);
      return rows.map(([id, runAt, payload, attempts, token]) => ({ id, runAt, payload: JSON.parse(payload) as JobPayload, attempts: Number(attempts), token }));
    },
    async complete(id, token) {
      await r.schedComplete(due, jobKey(id), id, token);
    },
    async close() {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
