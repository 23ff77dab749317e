import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../engine/paths.ts';

const BIN = join(PROJECT_ROOT, 'engine/cli/intake.mjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'intake-cli-'));
  dirs.push(d);
  return d;
}

function run(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input ?? '');
  });
}

describe('intake CLI', () => {
  it('chat: a whole intake typed in the terminal, saved in the same store', async () => {
    const dataDir = tempDir();
    const lines = [
      'Hello',
      'My electricity bill is wrong, I was charged twice this month',
      'yesterday',
      'Correct the bill',
      '3301234567',
      '13912345678',
      '1',
      'yes',
    ];
    const { code, out, err } = await run(['chat', '--user', 'cli-test', '--locale', 'en'], { DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, `${lines.join('\n')}\n`);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/\[1\] File a complaint/);
    const ticket = /registered as (PU-\d{8}-[0-9A-Z]{6})/.exec(out)?.[1];
    expect(ticket, out).toBeDefined();
    const again = await run(['chat', '--user', 'cli-test'], { DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, 'any update on my complaint?\n');
    expect(again.out).toContain(`${ticket} (Billing error)`);
  });

  it('serve: starts, answers, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' } });
    let log = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        log += d;
        const m = /"port":(\d+)/.exec(log);
        if (m) resolve(Number(m[1]));
      });
      child.on('close', () => reject(new Error(`server exited early:\n${log}`)));
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    const reply = await fetch(`http://127.0.0.1:${port}/api/web/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: 'srv', text: '你好' }),
    });
    expect(reply.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(log).toMatch(/stopped cleanly/);
    expect(log).toMatch(/WEB_IDENTITY_SECRET not set/);
    expect(log).toMatch(/api-token/);
    expect(log).not.toContain(readFileSync(join(dataDir, 'api-token'), 'utf8').trim());
  });

  it('an invalid pack stops start-up with the file, the field and the problem', async () => {
    const packDir = join(tempDir(), 'broken');
    cpSync(join(PROJECT_ROOT, 'bots/power-utility'), packDir, { recursive: true });
    const file = join(packDir, 'pack.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/misunderstoodTurns: \d+/, 'misunderstoodTurns: -2'));
    const { code, err } = await run(['serve'], { DATA_DIR: tempDir(), BOT: packDir, PORT: '0' });
    expect(code).toBe(1);
    expect(err).toMatch(/pack\.yaml: thresholds\.misunderstoodTurns: .*(>=1|too small)/i);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });
});
