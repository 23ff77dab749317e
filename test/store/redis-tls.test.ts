import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.ts';
import { openStore } from '../../engine/open-store.ts';
import { freePort, hasRedisServer } from '../helpers/redis-server.ts';

// rediss:// against a real redis-server speaking TLS only, with a certificate from a private CA (as a
// bank's or utility's internal Redis has): REDIS_TLS_CA_FILE names the CA to trust. Keys are made here.

let port = 0;
let dir = '';
let stop: (() => void) | undefined;
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

beforeAll(async () => {
  if (!hasRedisServer()) throw new Error('redis-server is needed: apt-get install -y redis-server redis-tools');
  dir = mkdtempSync(join(tmpdir(), 'intake-redis-tls-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=intake test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  port = await freePort();
  const child = spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--tls-cert-file', join(dir, 'server.pem'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', join(dir, 'ca.pem'), '--tls-auth-clients', 'no'], { stdio: 'ignore' });
  stop = () => child.kill('SIGKILL');
  const probe = new Redis({ host: '127.0.0.1', port, tls: { ca: [readFileSync(join(dir, 'ca.pem'))] }, lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    const ping = probe.ping().then(() => true, () => false);
    if (await Promise.race([ping, new Promise<boolean>((r) => setTimeout(() => r(false), 200))])) break;
  }
  probe.disconnect();
});
afterAll(() => {
  stop?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('works over TLS when REDIS_TLS_CA_FILE names the CA that signed the server certificate', async () => {
  const store = openStore(loadConfig({ REDIS_URL: `rediss://127.0.0.1:${port}/2`, REDIS_TLS_CA_FILE: join(dir, 'ca.pem'), REDIS_PREFIX: 'tls:' }));
  await store.commit({ messages: [{ conversationId: 'c1', n: 0, author: 'customer', text: 'over TLS', at: '2026-11-25T08:00:00.000Z' }] });
  expect((await store.listMessages('c1')).map((m) => m.text)).toEqual(['over TLS']);
  await store.close();
});

it('reports a server its CA did not sign as a certificate error', async () => {
  // Without the CA, the server's certificate chains to nothing Node trusts. Commands wait for Redis, as
  // through any outage (see connection.ts); the reason is in the connection's error, which is logged.
  const store = openStore(loadConfig({ REDIS_URL: `rediss://127.0.0.1:${port}/2`, REDIS_PREFIX: 'tls:' }));
  const client = (store as unknown as { client: Redis }).client;
  const err = await new Promise<Error>((resolve) => client.once('error', resolve));
  expect(err.message).toMatch(/certificate/i);
  // Shutting down meanwhile does not wait for a Redis it cannot reach.
  const closed = await Promise.race([store.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
  expect(closed).toBe('closed');
});

it('says which setting is wrong: a CA file that is not there, or one without a rediss:// URL', () => {
  expect(() => loadConfig({ REDIS_URL: `rediss://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: join(dir, 'missing.pem') })).toThrow(/REDIS_TLS_CA_FILE/);
  expect(() => loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: join(dir, 'ca.pem') })).toThrow(/rediss:\/\//);
});
