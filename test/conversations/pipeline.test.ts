import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import { harness, TICKET_RE } from '../helpers/harness.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'intake-pipeline-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('turn pipeline', () => {
  it('survives a process restart in the middle of an intake, which then completes', async () => {
    const dir = tempDir();
    const before = harness({ store: createSqliteStore({ dataDir: dir }) });
    await before.script('p1', [
      ['我家停电两天了，一直没人来修', /什么时候/],
      // "没人来修" already says the demand (repair), so the bot goes straight to the account number.
      ['前天晚上', /户号/],
    ]);
    await before.engine.stop();

    const after = harness({ store: createSqliteStore({ dataDir: dir }) });
    await after.engine.start();
    const done = await after.script('p1', [
      ['3301234567', /联系电话/],
      ['13912345678', /怎么通知/],
      ['电话联系', /前天晚上[\s\S]*3301234567[\s\S]*是否准确/],
      ['对', TICKET_RE],
    ]);
    expect((await after.store.getTicket(done.ticketId!))!.description).toBe('我家停电两天了，一直没人来修');
    await after.engine.stop();
  });

  it('runs effects that a crash after the commit left behind on the next start', async () => {
    const dir = tempDir();
    const crashing = harness({
      store: createSqliteStore({ dataDir: dir }),
      afterCommit: () => {
        throw new Error('simulated crash between commit and effects');
      },
    });
    await expect(crashing.say('p2', 'hello')).rejects.toThrow(/simulated crash/);
    expect(crashing.sent).toEqual([]);
    await crashing.engine.stop();

    const restarted = harness({ store: createSqliteStore({ dataDir: dir }) });
    expect(await restarted.engine.start()).toBe(1);
    expect(restarted.sent).toHaveLength(1);
    expect(restarted.sent[0]).toMatchObject({ to: 'p2', ctx: { mode: 'reply', live: false } });
    expect(restarted.sent[0]!.message.text).toMatch(/assistant/);
    expect(await restarted.engine.start()).toBe(0);
    await restarted.engine.stop();
  });

  it('retries a failed send later instead of dropping it', async () => {
    let fail = true;
    const delivered: string[] = [];
    const h = harness({
      channels: [
        {
          name: 'test',
          async send(_to, message) {
            if (fail) throw new Error('channel down');
            delivered.push(message.text);
          },
        },
      ],
    });
    await h.say('p3', 'hello');
    expect(delivered).toEqual([]);
    fail = false;
    expect(await h.engine.drain()).toBe(0); // not due yet: backoff
    h.clock.now = new Date(h.clock.now.getTime() + 60_000);
    expect(await h.engine.drain()).toBe(1);
    expect(delivered[0]).toMatch(/assistant/);
  });

  it('leaves sends for a channel this process does not run to the process that does', async () => {
    const h = harness();
    await h.store.commit({
      effects: [
        {
          id: 'ob_other_channel',
          kind: 'send',
          conversationId: 'cv_x',
          channel: 'terminal',
          channelUserId: 'someone',
          mode: 'push',
          n: 3,
          message: { text: 'for the terminal' },
          createdAt: h.clock.now.toISOString(),
          notBefore: h.clock.now.toISOString(),
          attempts: 0,
        },
      ],
    });
    expect(await h.engine.drain()).toBe(0);
    const [left] = await h.store.pendingEffects(h.clock.now.toISOString());
    expect(left).toMatchObject({ id: 'ob_other_channel', attempts: 0 });
  });

  it('processes two concurrent messages from one customer one at a time, in arrival order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const h = harness({
      afterCommit: async () => {
        // Hold the first turn open: the second must wait for it, not overtake it.
        if (first) {
          first = false;
          await gate;
        }
      },
    });
    const a = h.say('p4', 'My bill doubled this month, it must be a billing error');
    const b = h.say('p4', 'last Friday');
    await new Promise((r) => setTimeout(r, 50));
    const order: string[] = [];
    void a.then(() => order.push('a'));
    void b.then(() => order.push('b'));
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    expect(ra.replies[0]!.text).toMatch(/when did this happen/i);
    expect(rb.replies[0]!.text).toMatch(/what would you like/i);
    const transcript = await h.store.listMessages(ra.conversationId);
    expect(transcript.map((m) => `${m.n}:${m.author}`)).toEqual(['0:customer', '1:bot', '2:customer', '3:bot']);
    expect(transcript[2]!.text).toBe('last Friday');
  });

  it('answers a redelivered message from the record without running it twice', async () => {
    const h = harness();
    const once = await h.say('p5', '我要投诉', { messageId: 'dup-1' });
    const again = await h.say('p5', '我要投诉', { messageId: 'dup-1' });
    expect(again.duplicate).toBe(true);
    expect(again.replies).toEqual(once.replies);
    expect(await h.store.listMessages(once.conversationId)).toHaveLength(1 + once.replies.length);
    expect(h.sent).toHaveLength(once.replies.length);
  });

  it('restarts politely a conversation saved under a flow version that no longer exists', async () => {
    const h = harness();
    const r = await h.say('p6', 'I want to complain about my bill');
    const conv = (await h.store.getConversation(r.conversationId))!;
    await h.store.commit({
      conversation: { value: { ...conv, dialog: { ...conv.dialog, active: { name: 'intake', version: 0, data: { legacy: true } } } }, expectedVersion: conv.version },
    });
    const next = await h.say('p6', 'The bill is twice what it should be');
    expect(next.replies[0]!.text).toMatch(/system was updated/);
    expect(next.replies.map((x) => x.text).join('\n')).toMatch(/when did this happen|which of these/i);
    const saved = (await h.store.getConversation(r.conversationId))!;
    expect(saved.dialog.active).toMatchObject({ name: 'intake', version: 1 });
  });

  it('switches language when the customer does, and keeps it for short replies', async () => {
    const h = harness();
    const zh = await h.say('p7', '你好');
    expect(zh.replies[0]!.text).toMatch(/您好/);
    const en = await h.say('p7', 'Sorry, can we speak English please?');
    expect(en.replies[0]!.text).toMatch(/[A-Za-z]{4,}/);
    expect(en.replies[0]!.text).not.toMatch(/[\u4e00-\u9fff]/);
    const ok = await h.say('p7', 'ok');
    expect(ok.replies[0]!.text).not.toMatch(/[\u4e00-\u9fff]/);
  });
});
