import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_RE } from './helpers/harness.ts';
import { ARTIFACTS, chatter, startWebPage, type WebPageRig } from './helpers/web-page.ts';

// Drives the built-in web chat page (adapters/web-chat/page.html) in a real headless Chromium
// against the real HTTP server, as a customer on a phone would use it.

let rig: WebPageRig;
let service: WebPageRig['service'];
let base: string;
let page: Page;
let type: (text: string) => Promise<void>;
let tap: (label: string) => Promise<void>;
let lastBot: () => Promise<string>;

beforeAll(async () => {
  rig = await startWebPage();
  ({ service, base } = rig);
  page = await rig.newPage({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  ({ type, tap, lastBot } = chatter(page));
});

afterAll(async () => {
  await rig?.close();
});

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
    await page.screenshot({ path: join(ARTIFACTS, 'web-chat-390-en.png') });

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
