import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { connectRedis, type RedisClient } from '../../adapters/store/redis/connection.ts';

// Tests talk to real Redis servers that they start themselves, on free loopback ports in temporary
// directories, so they never touch the machine's own Redis or its data.

const INSTALL_HINT =
  'Redis is needed for these tests. Install it (Debian/Ubuntu: apt-get install -y redis-server redis-tools; macOS: brew install redis) or set REDIS_URL to a server the tests may write to.';

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisProcess {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM lets it finish its AOF; SIGKILL does not). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory, reading back what it kept. */
  restart(): Promise<void>;
  /** Stops it and deletes its directory. */
  dispose(): Promise<void>;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
    const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (r.stdout?.trim() === 'PONG') return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 5 s`);
}

export interface SpawnOptions {
  /** Keep data: appendonly yes + appendfsync always. */
  durable?: boolean;
  cluster?: boolean;
  port?: number;
  dir?: string;
}

export async function spawnRedis(o: SpawnOptions = {}): Promise<RedisProcess> {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT);
  const port = o.port ?? (await freePort());
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'intake-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'];
  if (o.durable) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  if (o.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000');
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port, child);
  };
  await start();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill(signal);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: start,
    async dispose() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestRedis {
  url: string;
  dispose(): Promise<void>;
}

/** REDIS_URL when given (the caller owns that server), else a fresh server of our own. */
export async function testRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, dispose: async () => {} };
  const r = await spawnRedis();
  return { url: r.url, dispose: () => r.dispose() };
}

/**
 * For one test file: testRedis() started before its tests, and connections to it, each its own as a
 * separate instance would have; after the tests the connections are closed and the server stopped.
 */
export function redisForFile(name = 'test'): { connect(): RedisClient } {
  let redis: TestRedis | undefined;
  const clients: RedisClient[] = [];
  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    await redis?.dispose();
  });
  return {
    connect() {
      if (!redis) throw new Error('redisForFile: connect() is for inside tests, once the server is up');
      const c = connectRedis({ url: redis.url }, name);
      clients.push(c);
      return c;
    },
  };
}

export interface TestCluster {
  nodes: string;
  servers: RedisProcess[];
  dispose(): Promise<void>;
}

/** Three masters on free ports, joined with redis-cli --cluster create, ready when every slot is served. */
export async function spawnCluster(masters = 3): Promise<TestCluster> {
  const servers: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) servers.push(await spawnRedis({ cluster: true }));
    const addrs = servers.map((s) => `127.0.0.1:${s.port}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (let i = 0; i < 200; i++) {
      const ok = servers.every((s) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(s.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout ?? ''));
      if (ok) break;
      if (i === 199) throw new Error('the test cluster did not reach cluster_state:ok');
      await new Promise((res) => setTimeout(res, 50));
    }
    return { nodes: addrs.join(','), servers, dispose: async () => void (await Promise.all(servers.map((s) => s.dispose()))) };
  } catch (err) {
    await Promise.all(servers.map((s) => s.dispose()));
    throw err;
  }
}
