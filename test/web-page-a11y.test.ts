import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CHANNEL } from '../adapters/web-chat/channel.ts';
import { TICKET_RE } from './helpers/harness.ts';
import { ARTIFACTS, chatter, startWebPage, type WebPageRig } from './helpers/web-page.ts';

// The web chat page on a small phone (360x640): language switcher, typing indicator, labels, keyboard
// order, WCAG AA contrast and layout, in a real headless Chromium against the real server.

const PHONE = { viewport: { width: 360, height: 640 }, locale: 'en-US', hasTouch: true };

let rig: WebPageRig;

beforeAll(async () => {
  rig = await startWebPage();
});

afterAll(async () => {
  await rig?.close();
});

/**
 * WCAG contrast of each matching visible element's text against the background it is drawn on
 * (translucent backgrounds composited up to the page). Plain JS: it runs in the page.
 */
const CONTRAST_JS = `(function (targets) {
  function rgba(s) {
    var m = /rgba?\\(([^)]+)\\)/.exec(s);
    if (!m) throw new Error('unexpected colour ' + s);
    var p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function over(top, under) {
    return { r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 };
  }
  function lum(c) {
    var f = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function background(el) {
    var layers = [];
    for (var e = el; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
    var bg = { r: 255, g: 255, b: 255, a: 1 };
    for (var i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  var out = [];
  targets.forEach(function (t) {
    document.querySelectorAll(t.selector).forEach(function (el) {
      var box = el.getBoundingClientRect();
      if (!box.width || !box.height) return;
      var bg = background(el);
      var fg = over(rgba(getComputedStyle(el, t.pseudo || null).color), bg);
      var a = lum(fg), b = lum(bg);
      out.push({ selector: t.selector + (t.pseudo || ''), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) });
    });
  });
  return out;
})`;

async function contrast(page: Page, targets: Array<{ selector: string; pseudo?: string }>) {
  const found = (await page.evaluate(`${CONTRAST_JS}(${JSON.stringify(targets)})`)) as Array<{ selector: string; ratio: number }>;
  // Every selector asked about must be on screen, or the check proves nothing.
  for (const t of targets) expect(found.map((f) => f.selector), `${t.selector} is not on screen`).toContain(t.selector + (t.pseudo ?? ''));
  for (const f of found) expect(f.ratio, `contrast of ${f.selector}`).toBeGreaterThanOrEqual(4.5);
  return found.length;
}

/** 360 px wide: nothing scrolls sideways, and the composer is fully on screen. */
async function fitsPhone(page: Page) {
  const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  // The conversation scrolls by itself: nothing in it may scroll sideways either.
  const sideways = await page.evaluate(() =>
    [...document.querySelectorAll('body *')].filter((e) => e.scrollWidth > e.clientWidth + 1 && /auto|scroll/.test(getComputedStyle(e).overflowX)).map((e) => e.id || e.className),
  );
  expect(sideways).toEqual([]);
  for (const id of ['#msg', '#send', '#lang']) {
    const box = (await page.locator(id).boundingBox())!;
    expect(box, `${id} is laid out`).not.toBeNull();
    expect(box.x, id).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, id).toBeLessThanOrEqual(360);
    expect(box.y, id).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height, id).toBeLessThanOrEqual(640);
  }
}

/** Tap targets of at least 44x44 CSS px (WCAG 2.5.5). */
async function bigEnough(page: Page, selector: string) {
  const boxes = await page.locator(selector).evaluateAll((els) =>
    els.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => ({ w: r.width, h: r.height })),
  );
  expect(boxes.length, `${selector} on screen`).toBeGreaterThan(0);
  for (const b of boxes) {
    expect(b.w, selector).toBeGreaterThanOrEqual(44);
    expect(b.h, selector).toBeGreaterThanOrEqual(44);
  }
}

/** What has the keyboard focus, by id or by text for quick replies. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    return el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${el.className}:${el.textContent}`;
  });

describe('web chat page at 360 px', () => {
  it('switches to traditional Chinese with the switcher, shows the typing indicator, and files a complaint in it', async () => {
    const page = await rig.newPage(PHONE);
    const { ready, type, tap, lastBot } = chatter(page);
    const sent: Array<{ text: string; locale?: string; localeChosen?: boolean }> = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/web/messages')) sent.push(r.postDataJSON());
    });
    await page.goto(`${rig.base}/`);
    await ready();
    expect(await page.locator('#lang').inputValue()).toBe('en');

    await type('Hi');
    expect(await lastBot()).toMatch(/assistant/);

    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: '繁體中文' });
    // The page's own words switch at once, names for assistive technology included.
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-TW');
    expect(await page.locator('#msg').getAttribute('placeholder')).toBe('請輸入您的問題…');
    await expect(page.getByRole('combobox', { name: '語言' }).count()).resolves.toBe(1);
    await expect(page.getByRole('textbox', { name: '訊息' }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: '傳送' }).count()).resolves.toBe(1);
    await expect(page.getByRole('log', { name: '對話記錄' }).count()).resolves.toBe(1);
    await expect(page.getByRole('group', { name: '快捷回覆' }).count()).resolves.toBe(1);

    // Hold the answer back to see the indicator. The button tapped is still the English one: the switch,
    // not the words, decides the language of the answer.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/web/messages', async (route) => {
      await gate;
      await route.continue();
    });
    const botsBefore = await page.locator('.msg.from-bot').count();
    await page.locator('.qr:enabled', { hasText: 'File a complaint' }).click();
    const typing = page.getByRole('status').filter({ hasText: '客服助理正在輸入…' });
    await typing.waitFor();
    expect(await page.locator('#typing').isVisible()).toBe(true);
    expect(await focused(page)).toBe('#msg');
    await contrast(page, [{ selector: '#typing' }, { selector: '#send:disabled' }, { selector: '.msg.from-customer' }]);
    await fitsPhone(page);
    await page.screenshot({ path: join(ARTIFACTS, 'web-chat-360-typing.png') });
    release();
    await page.waitForFunction((before) => document.querySelectorAll('.msg.from-bot').length > before, botsBefore);
    await page.waitForFunction(() => !(document.getElementById('send') as HTMLButtonElement).disabled);
    expect(await page.locator('#typing').textContent()).toBe('');
    expect(await typing.count()).toBe(0);
    await page.unroute('**/api/web/messages');
    expect(await lastBot()).toMatch(/請問您遇到的問題最接近下面哪一類/);
    expect(await page.locator('.qr:enabled').first().textContent()).toBe('停電未提前通知');

    // The rest of the complaint in traditional Chinese, until the ticket number is on the page.
    await tap('停電未提前通知');
    const answered: string[] = [];
    for (let i = 0; i < 10 && !TICKET_RE.test(await lastBot()); i++) {
      const asked = await lastBot();
      answered.push(asked.slice(0, 30));
      if (/是否正確/.test(asked)) await tap('確認無誤');
      else if (/發生了什麼/.test(asked)) await type('昨天晚上八點開始停電，到現在都沒有來電，也沒有提前通知');
      else if (/怎麼處理/.test(asked)) await tap('盡快解決問題');
      else if (/戶號/.test(asked)) await type('3301234567');
      else if (/連絡電話/.test(asked)) await type('13912345678');
      else if (/怎麼通知您/.test(asked)) await tap('在這裡聊天通知');
      else throw new Error(`unexpected question from the bot: ${asked}\n(after: ${answered.join(' | ')})`);
    }
    const ticket = (await lastBot()).match(TICKET_RE)?.[0];
    expect(ticket, `no ticket number; the bot asked: ${answered.join(' | ')}`).toBeDefined();
    expect(await lastBot()).toMatch(/您的申訴已登記/);
    expect((await rig.service.store.getTicket(ticket!))?.locale).toBe('zh-TW');
    // The switch is told to the bot once, with the first message after it.
    expect(sent.map((b) => b.localeChosen === true)).toEqual(sent.map((_, i) => i === 1));
    expect(sent.slice(1).every((b) => b.locale === 'zh-TW')).toBe(true);
    await fitsPhone(page);
    await page.screenshot({ path: join(ARTIFACTS, 'web-chat-360-zh-TW.png') });

    // The choice survives a reload.
    await page.reload();
    await ready();
    expect(await page.locator('#lang').inputValue()).toBe('zh-TW');
    expect(await page.locator('#send').textContent()).toBe('傳送');
    expect((await page.locator('.msg.from-bot').allTextContents()).join('\n')).toContain(ticket!);
    await page.context().close();
  });

  it('is labelled, keyboard-ordered, readable (WCAG AA) and fits a 360 px screen', async () => {
    const page = await rig.newPage(PHONE);
    const { ready, type } = chatter(page);
    const session = page.waitForResponse((r) => r.url().endsWith('/api/web/session'));
    await page.goto(`${rig.base}/`);
    const { userId } = (await (await session).json()) as { userId: string };
    await ready();
    await contrast(page, [{ selector: 'header h1' }, { selector: '#lang-label' }, { selector: '#lang' }, { selector: '.hint' }, { selector: '#msg', pseudo: '::placeholder' }, { selector: '#send' }]);

    await type('Hi');
    // Reload so that Tab starts from the top of a fresh page; the transcript and its buttons come back.
    await page.reload();
    await ready();
    await page.locator('.qr:enabled').first().waitFor();

    // Every control has a name (an unnamed one shows in the snapshot as a bare role).
    const tree = await page.locator('body').ariaSnapshot();
    expect(tree).not.toMatch(/^\s*- (button|combobox|textbox|log|group)\s*(:|\[|$)/m);
    for (const [role, name] of [['combobox', 'Language'], ['log', 'Conversation'], ['group', 'Suggested replies'], ['textbox', 'Message'], ['button', 'Send']] as const) {
      expect(await page.getByRole(role, { name, exact: true }).count(), `${role} "${name}"`).toBe(1);
    }
    expect(await page.getByRole('button', { name: 'File a complaint' }).count()).toBe(1);

    // Focus order: switcher, conversation, quick replies, input, send; each with a visible ring.
    const order: string[] = [];
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
      const ring = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement!);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
      });
      expect(ring, `focus ring on ${order[i]}`).toBe(true);
    }
    expect(order).toEqual(['#lang', '#log', 'button.qr:File a complaint', 'button.qr:Check my complaint', 'button.qr:Talk to a person', '#msg', '#send']);

    // A quick reply works from the keyboard, and focus goes back to the input.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('button.qr:File a complaint');
    const bots = await page.locator('.msg.from-bot').count();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('#msg');
    await page.waitForFunction((before) => document.querySelectorAll('.msg.from-bot').length > before, bots);
    await page.waitForFunction(() => !(document.getElementById('send') as HTMLButtonElement).disabled);
    expect(await page.locator('.msg.from-customer').last().textContent()).toBe('File a complaint');
    // The longest list of buttons the bot offers: readable, big enough, wrapped inside 360 px.
    expect(await page.locator('.qr:enabled').count()).toBeGreaterThan(5);
    await contrast(page, [{ selector: '.qr:enabled' }, { selector: '.msg.from-bot' }]);
    await bigEnough(page, '.qr:enabled');
    await fitsPhone(page);
    // Sending with Enter keeps the focus in the input too.
    await type('Other');
    expect(await focused(page)).toBe('#msg');

    // An agent joins: their bubble and the status banner must be readable as well.
    const conv = await rig.service.store.findConversation(WEB_CHANNEL, userId);
    expect(conv).not.toBeNull();
    await rig.service.engine.agentMessage(conv!.id, 'Hello, this is Li from the service team');
    await page.locator('.msg.from-agent').waitFor();
    await page.waitForFunction(() => !document.getElementById('status')!.hidden);

    const checked = await contrast(page, [
      { selector: 'header h1' },
      { selector: '#lang' },
      { selector: '#status' },
      { selector: '.msg.from-customer' },
      { selector: '.msg.from-bot' },
      { selector: '.msg.from-agent' },
      { selector: '.msg.from-agent .who' },
      { selector: '#msg' },
      { selector: '#msg', pseudo: '::placeholder' },
      { selector: '#send' },
    ]);
    expect(checked).toBeGreaterThan(10);
    await bigEnough(page, '#send');
    await bigEnough(page, '#lang');
    await fitsPhone(page);
    await page.screenshot({ path: join(ARTIFACTS, 'web-chat-360-en.png') });
    await page.context().close();
  });
});
