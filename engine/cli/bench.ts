import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../engine.ts';
import { loadPack } from '../packs/load.ts';
import { silentLogger } from '../log.ts';
import { openStore } from '../open-store.ts';
import { openScheduling } from '../open-scheduling.ts';
import { measureRedis, type RedisFigures } from './bench-redis.ts';
import type { RedisClient } from '../../adapters/store/redis/connection.ts';
import { parseArgs } from './args.ts';
import { benchUnderstand, printUnderstandFigures } from './bench-understand.ts';
import { customerScript, TICKET } from './bench-customers.ts';

/** Counts the commands the client sends (a script call is one). */
function countCommands(client: RedisClient): { count: number } {
  const counter = { count: 0 };
  const send = client.sendCommand.bind(client) as (...a: unknown[]) => unknown;
  (client as unknown as { sendCommand: (...a: unknown[]) => unknown }).sendCommand = (...a: unknown[]) => {
    counter.count++;
    return send(...a);
  };
  return counter;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function bench(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { customers: 'string', concurrency: 'string', store: 'string', sync: 'string', json: 'boolean', understand: 'boolean', bot: 'string' });
  const bot = String(args.bot ?? process.env.BOT ?? 'power-utility');
  // Understanding first: it runs in this fresh process, so its start-up figure is a cold one.
  const understanding = benchUnderstand(bot);
  if (!args.json) printUnderstandFigures(bot, understanding);
  if (args.understand) {
    if (args.json) console.log(JSON.stringify({ understand: understanding }));
    return;
  }
  const customers = Number(args.customers ?? 10_000);
  const concurrency = Number(args.concurrency ?? 64);
  const storeKind = String(args.store ?? 'sqlite');
  if (storeKind !== 'sqlite' && storeKind !== 'memory' && storeKind !== 'redis') throw new Error(`unknown option value --store ${storeKind} (sqlite, memory or redis)`);
  const sync = String(args.sync ?? 'FULL').toUpperCase() as 'FULL' | 'NORMAL';
  const dataDir = mkdtempSync(join(tmpdir(), 'intake-bench-'));
  // Redis: REDIS_URL, else the local server; keys under a prefix of their own, deleted afterwards.
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const prefix = `intake-bench-${process.pid}-${Date.now()}:`;
  const settings = { STORE: storeKind, DATA_DIR: dataDir, SQLITE_SYNCHRONOUS: sync, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LEASE_TTL_MS: 10_000, LEASE_WAIT_MS: 15_000 } as const;
  const store = openStore(settings);
  // As in the service: with Redis, the conversation leases that several instances need are on too.
  const { scheduler, leases } = openScheduling(settings, store);
  const redis = storeKind === 'redis' ? ((store as unknown as { client: RedisClient }).client) : undefined;
  const commands = redis ? countCommands(redis) : undefined;
  const engine = createEngine({
    pack: loadPack(bot),
    store,
    scheduler,
    ...(leases ? { leases } : {}),
    log: silentLogger(),
    retryEveryMs: 0,
    jobEveryMs: 0,
    channels: [{ name: 'bench', send: async () => {} }],
  });

  const latencies: number[] = [];
  let next = 0;
  let filed = 0;
  const failures: string[] = [];
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= customers) return;
      let ticket: string | undefined;
      const lines = customerScript(i).map(([text]) => text);
      for (const [turn, text] of lines.entries()) {
        const t0 = performance.now();
        const r = await engine.handle({ channel: 'bench', channelUserId: `c${i}`, text, messageId: `c${i}-${turn}`, timestamp: new Date().toISOString() });
        latencies.push(performance.now() - t0);
        if (turn === lines.length - 1) ticket = r.replies.map((x) => x.text).join('\n').match(TICKET)?.[0];
      }
      if (ticket) filed++;
      else if (failures.length < 5) failures.push(`customer ${i} (script ${i % 4}) got no ticket number`);
      if (i % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const stored = (await store.listTickets({ limit: customers + 10 })).length;
  const turnCommands = commands?.count ?? 0;
  let redisFigures: RedisFigures | undefined;
  if (redis) redisFigures = await measureRedis(redis, prefix, customers, turnCommands / latencies.length);
  await engine.stop();
  rmSync(dataDir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const result = {
    store: storeKind === 'sqlite' ? `sqlite (synchronous=${sync})` : storeKind === 'redis' ? `redis (${redisUrl.replace(/\/\/[^@/]*@/, '//***@')})` : 'memory',
    customers,
    concurrency,
    turns: latencies.length,
    seconds: Number(seconds.toFixed(2)),
    turnsPerSecond: Math.round(latencies.length / seconds),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    ticketsFiled: filed,
    ticketsStored: stored,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    ...(redisFigures ? { redis: redisFigures } : {}),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
  if (args.json) console.log(JSON.stringify({ ...result, understand: understanding }));
  else {
    console.log(`intake benchmark: ${customers} customers, ${concurrency} at a time, store ${result.store}`);
    console.log(`  turns            ${result.turns} in ${result.seconds} s → ${result.turnsPerSecond} turns/s`);
    console.log(`  latency per turn p50 ${result.p50ms} ms, p99 ${result.p99ms} ms`);
    console.log(`  tickets          ${filed} confirmed in replies, ${stored} in the store`);
    console.log(`  memory           peak RSS ${result.peakRssMiB} MiB`);
    if (redisFigures) {
      console.log(`  redis commands   ${redisFigures.commandsPerTurn.toFixed(1)} per turn (client side; pipelined ones share a round trip)`);
      console.log(`  redis memory     ${redisFigures.bytesPerConversation} bytes per idle conversation (with its transcript, customer, ticket, indexes)`);
      console.log(`                   ${redisFigures.bytesPerJob} bytes per scheduled job (${redisFigures.jobs} deadline alarms)`);
    }
    console.log(`  machine          ${result.machine}`);
  }
  if (failures.length || filed !== customers || stored !== customers) {
    console.error(`FAILED: every customer should get exactly one ticket.\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}
