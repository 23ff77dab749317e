import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../engine/config.ts';
import { silentLogger } from '../engine/log.ts';
import { buildService, type Service } from '../engine/service.ts';
import { TICKET_RE, TUESDAY_10AM } from './helpers/harness.ts';

// Drives the built-in web chat page (adapters/web-chat/page.html) in a real headless Chromium
// against the real HTTP server, as a customer on a phone would use it.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = '/tmp/web-chat.png';

let dir: string;
let service: Service;
let server: ReturnType<typeof serve>;
let base: string;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: this test needs Debian's chromium package. Install it with: apt-get update && apt-get install -y chromium`);
  }
  dir = mkdtempSync(join(tmpdir(), 'intake-web-page-'));
  service = buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory', PORT: '0' }), silentLogger(), { now: () => new Date(TUESDAY_10AM) });
  server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 15_000 });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', deviceScaleFactor: 1 });
  page = await context.newPage();
  page.setDefaultTimeout(5_000);
});

afterAll(async () => {
  await browser?.close();
  if (server) {
    // Open event streams would keep close() waiting: drop every connection.
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await service?.engine.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const count = (selector: string) => page.locator(selector).count();

/** Waits until the page has an answer to the last thing the customer sent. */
async function settled(botsBefore: number) {
  await page.waitForFunction(
    (before) =>
      document.querySelectorAll('.msg.from-bot').length > before &&
      document.querySelectorAll('.msg.pending').length === 0 &&
      !(document.getElementById('send') as HTMLButtonElement).disabled,
    botsBefore,
  );
}

async function type(text: string) {
  const before = await count('.msg.from-bot');
  await page.locator('#msg').fill(text);
  await page.locator('#msg').press('Enter');
  await settled(before);
}

async function tap(label: string) {
  const before = await count('.msg.from-bot');
  await page.locator('.qr:enabled', { hasText: label }).click();
  await settled(before);
}

const lastBot = async () => (await page.locator('.msg.from-bot').last().textContent()) ?? '';

describe('built-in web chat page', () => {
  it('takes a complaint to a ticket, shows an agent reply live, and replays the history on reload', async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.getElementById('log')?.getAttribute('aria-busy') === 'false');

    await type('Hi');
    expect(await page.locator('.msg.from-customer').last().textContent()).toBe('Hi');
    expect(await lastBot()).toMatch(/assistant/);
    expect(await page.locator('.qr:enabled').allTextContents()).toEqual(['File a complaint', 'Check my complaint', 'Talk to a person']);

    await type('My power went out yesterday and nobody told us about a planned outage, I want it fixed');
    // Answer whatever the bot asks until the ticket number shows up.
    const answered: string[] = [];
    for (let i = 0; i < 10 && !TICKET_RE.test(await lastBot()); i++) {
      const asked = await lastBot();
      answered.push(asked.slice(0, 60));
      if (/what would you like us to do/i.test(asked)) await tap('Fix the problem');
      else if (/customer number/i.test(asked) && !/correct\?/i.test(asked)) await type('3301234567');
      else if (/phone number/i.test(asked)) await type('13912345678');
      else if (/keep you updated/i.test(asked)) await tap('Here in this chat');
      else if (/is that correct/i.test(asked)) await tap("Yes, that's right");
      else throw new Error(`unexpected question from the bot: ${asked}\n(after: ${answered.join(' | ')})`);
    }
    const ticket = (await lastBot()).match(TICKET_RE)?.[0];
    expect(ticket, `no ticket number; the bot asked: ${answered.join(' | ')}`).toBeDefined();
    // Only the newest message's quick replies are usable.
    const buttons = await page.locator('.qr').evaluateAll((els) => els.map((b) => (b as HTMLButtonElement).disabled));
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.every((d) => d)).toBe(true);

    // An agent writes from the desk: the open stream brings it to the page without a reload.
    const res = await service.app.request('/api/conversations', { headers: { Authorization: `Bearer ${service.apiToken}` } });
    const { conversations } = (await res.json()) as { conversations: Array<{ id: string; ticketId: string | null }> };
    const conv = conversations.find((c) => c.ticketId === ticket);
    expect(conv, 'the ticket\'s conversation is listed').toBeDefined();
    await service.engine.agentMessage(conv!.id, 'Hello, this is Li from the service team');
    const agent = page.locator('.msg.from-agent');
    await agent.waitFor();
    expect(await agent.textContent()).toContain('Hello, this is Li from the service team');
    expect(await agent.textContent()).toContain('Agent');
    await page.waitForFunction(() => !document.getElementById('status')!.hidden);
    await page.screenshot({ path: SCREENSHOT });

    // Reload: the same cookie identity gets the whole transcript replayed, once.
    const before = await page.locator('.msg').allTextContents();
    await page.reload();
    await page.waitForFunction(() => document.getElementById('log')?.getAttribute('aria-busy') === 'false');
    await page.locator('.msg.from-agent').waitFor();
    const after = await page.locator('.msg').allTextContents();
    expect(after).toEqual(before);
    expect(after.join('\n')).toContain(ticket!);
    expect(await page.locator('.msg.from-customer').first().textContent()).toBe('Hi');
  });
});
