import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { loadConfig } from '../../engine/config.ts';
import { silentLogger } from '../../engine/log.ts';
import { buildService, type Service } from '../../engine/service.ts';
import { TUESDAY_10AM } from './harness.ts';

// Shared by the browser tests: the real HTTP server on a free port, and Debian's headless Chromium.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Screenshots land here (git-ignored), so a run leaves something to look at. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

export interface WebPageRig {
  service: Service;
  base: string;
  /** A fresh browser context (own cookies, own localStorage: a new visitor) and its page. */
  newPage(options: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export async function startWebPage(): Promise<WebPageRig> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: this test needs Debian's chromium package. Install it with: apt-get update && apt-get install -y chromium`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'intake-web-page-'));
  const service = buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory', PORT: '0' }), silentLogger(), { now: () => new Date(TUESDAY_10AM) });
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    // Open event streams would keep close() waiting: drop every connection.
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await service.engine.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      if (server.listening) return resolve();
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 15_000 });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    service,
    base,
    async newPage(options) {
      const context = await browser!.newContext({ deviceScaleFactor: 1, ...options });
      const page = await context.newPage();
      page.setDefaultTimeout(5_000);
      return page;
    },
    close,
  };
}

/** The customer's side of the chat, driven through the page as a person would. */
export function chatter(page: Page) {
  const count = (selector: string) => page.locator(selector).count();
  /** Waits until the page has an answer to the last thing the customer sent. */
  const settled = (botsBefore: number) =>
    page.waitForFunction(
      (before) =>
        document.querySelectorAll('.msg.from-bot').length > before &&
        document.querySelectorAll('.msg.pending').length === 0 &&
        !(document.getElementById('send') as HTMLButtonElement).disabled,
      botsBefore,
    );
  return {
    async ready() {
      await page.waitForFunction(() => document.getElementById('log')?.getAttribute('aria-busy') === 'false');
    },
    async type(text: string) {
      const before = await count('.msg.from-bot');
      await page.locator('#msg').fill(text);
      await page.locator('#msg').press('Enter');
      await settled(before);
    },
    async tap(label: string) {
      const before = await count('.msg.from-bot');
      await page.locator('.qr:enabled', { hasText: label }).click();
      await settled(before);
    },
    lastBot: async () => (await page.locator('.msg.from-bot').last().textContent()) ?? '',
  };
}
