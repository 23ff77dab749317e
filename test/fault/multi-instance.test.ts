import { afterEach, describe, expect, it } from 'vitest';
import { spawnRedis, type RedisProcess } from '../helpers/redis-server.ts';
import { drive, startInstance, stopInstance, type Instance, type RunReport } from './instances.ts';

// Three real service processes on one real Redis, 300 customers whose turns go round-robin across
// them. Loopback only; every loop and wait is bounded.

const CUSTOMERS = 300;
const TOKEN = 'fault-test-token-0123456789';
let redis: RedisProcess | undefined;
let instances: Instance[] = [];

afterEach(async () => {
  await Promise.all(instances.map((i) => stopInstance(i, 'SIGKILL')));
  instances = [];
  await redis?.dispose();
  redis = undefined;
});

async function startThree(url: string) {
  // Short leases so a killed holder frees its conversations quickly.
  const env = { REDIS_URL: url, LEASE_TTL_MS: '2000', JOB_EVERY_MS: '0' };
  instances = await Promise.all([0, 1, 2].map(() => startInstance(env)));
}

/** A conversation delivered twice per turn holds each turn once: every customer line appears once. */
async function expectNoDoubledTurns(via: Instance, report: RunReport, every: number) {
  const byTicket = new Map((await storedTickets(via)).map((t) => [t.id, t.conversationId]));
  const doubled = [...report.tickets].filter(([i]) => i % every === 0);
  expect(doubled.length).toBe(Math.ceil(CUSTOMERS / every));
  for (const [i, ticket] of doubled) {
    const one = await fetch(`http://127.0.0.1:${via.port}/api/conversations/${byTicket.get(ticket)}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const { messages } = (await one.json()) as { messages: Array<{ author: string; text: string }> };
    const said = messages.filter((m) => m.author === 'customer').map((m) => m.text);
    expect(said.length, `customer ${i}: ${said.join(' | ')}`).toBeGreaterThan(5);
    expect(new Set(said).size, `customer ${i}: ${said.join(' | ')}`).toBe(said.length);
  }
}

async function storedTickets(via: Instance): Promise<Array<{ id: string; conversationId: string }>> {
  const res = await fetch(`http://127.0.0.1:${via.port}/api/tickets?limit=500`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tickets: Array<{ id: string; conversationId: string }> }).tickets;
}

/** Every confirmed ticket is stored, nothing is stored twice, every customer finished. */
async function expectNothingLost(report: RunReport, via: Instance) {
  expect(report.wrongReplies).toEqual([]);
  expect(report.stuck).toEqual([]);
  expect(report.completed).toBe(CUSTOMERS);
  const tickets = await storedTickets(via);
  expect(tickets).toHaveLength(CUSTOMERS);
  expect(new Set(tickets.map((t) => t.conversationId)).size).toBe(CUSTOMERS);
  const stored = new Set(tickets.map((t) => t.id));
  for (const [i, id] of report.tickets) expect(stored.has(id), `customer ${i}'s ticket ${id}`).toBe(true);
}

// Real processes on 2 cores: generous per-test limits, so a loaded machine slows the run, never fails it.
describe('several instances on one Redis', { timeout: 120_000 }, () => {
  it('300 customers round-robin across three processes: one ticket each, every reply right for its turn', async () => {
    redis = await spawnRedis();
    await startThree(redis.url);
    const report = await drive({ customers: CUSTOMERS, concurrency: 24, instances: () => instances, prefix: 'rr', duplicateEvery: 10 });
    expect(report.duplicatesSent).toBeGreaterThan(200);
    await expectNothingLost(report, instances[0]!);
    await expectNoDoubledTurns(instances[1]!, report, 10);
  });

  it('one process killed with SIGKILL mid-run: the others keep serving, nothing lost or doubled, none stuck', async () => {
    redis = await spawnRedis();
    await startThree(redis.url);
    const victim = instances[1]!;
    let alive = [...instances];
    let killed = false;
    const report = await drive({
      customers: CUSTOMERS,
      concurrency: 24,
      instances: () => alive,
      prefix: 'kill',
      between: async (turns) => {
        if (!killed && turns >= 700) {
          killed = true;
          victim.child.kill('SIGKILL');
          // The balancer notices only after requests to it fail: keep it in the pool a moment longer.
          setTimeout(() => (alive = alive.filter((i) => i !== victim)), 200);
        }
      },
    });
    expect(killed).toBe(true);
    // Requests did reach the dead instance and were answered elsewhere.
    expect(report.retries).toBeGreaterThan(0);
    expect(victim.child.signalCode ?? (await new Promise((r) => victim.child.once('exit', (_c, s) => r(s))))).toBe('SIGKILL');
    await expectNothingLost(report, instances[0]!);
  });

  it('Redis restarted mid-run (appendonly, appendfsync always): everything confirmed before is there after', async () => {
    redis = await spawnRedis({ durable: true });
    await startThree(redis.url);
    let restarted = false;
    let confirmedBefore = new Map<number, string>();
    const report = await drive({
      customers: CUSTOMERS,
      concurrency: 24,
      instances: () => instances,
      prefix: 'aof',
      between: async (turns, soFar) => {
        if (!restarted && turns >= 800) {
          restarted = true;
          confirmedBefore = new Map(soFar.tickets);
          await redis!.stop('SIGKILL');
          await new Promise((r) => setTimeout(r, 300));
          await redis!.restart();
        }
      },
    });
    expect(restarted).toBe(true);
    await expectNothingLost(report, instances[2]!);
    const stored = new Set((await storedTickets(instances[0]!)).map((t) => t.id));
    for (const id of confirmedBefore.values()) expect(stored.has(id)).toBe(true);
  });
});

describe('graceful shutdown', { timeout: 60_000 }, () => {
  it('SIGTERM: turns in flight finish and are kept, their leases are released, the process exits 0', async () => {
    redis = await spawnRedis();
    const env = { REDIS_URL: redis.url, JOB_EVERY_MS: '0' };
    instances = await Promise.all([0, 1].map(() => startInstance(env)));
    const [leaving, staying] = instances as [Instance, Instance];
    const post = (to: Instance, user: string, text: string, id: string) =>
      fetch(`http://127.0.0.1:${to.port}/api/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: user, text, messageId: id }),
      });
    // 40 customers open their complaint on the instance that is about to stop.
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      post(leaving, `bye${i}`, '这个月电费比上个月翻了一倍，肯定是算错了', `bye${i}-0`).then(
        async (r) => ({ i, status: r.status, body: r.ok ? ((await r.json()) as { conversation: { id: string } }) : null }),
        () => ({ i, status: 0, body: null }),
      ),
    );
    await new Promise((r) => setTimeout(r, 30));
    const code = stopInstance(leaving, 'SIGTERM');
    const results = await Promise.all(inFlight);
    expect(await code).toBe(0);
    const answered = results.filter((r) => r.status === 200);
    expect(answered.length).toBeGreaterThan(0);
    // The rest were refused cleanly (503, or no connection): nothing half-done.
    expect(results.filter((r) => r.status !== 200 && r.status !== 503 && r.status !== 0)).toEqual([]);
    // Whatever was answered is stored, and the next turn of each goes straight through elsewhere.
    for (const r of answered) {
      const next = await post(staying, `bye${r.i}`, '前天', `bye${r.i}-1`);
      expect(next.status).toBe(200);
      expect(((await next.json()) as { conversation: { id: string } }).conversation.id).toBe(r.body!.conversation.id);
    }
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    const locks = (await client.keys('intake:lease:*')).filter((k) => /}$/.test(k));
    client.disconnect();
    expect(locks).toEqual([]);
  });
});
