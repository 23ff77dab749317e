import { describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelContact, SendContext } from '../../engine/channels.ts';
import type { OutboundMessage } from '../../engine/domain.ts';
import { AppError } from '../../engine/errors.ts';
import { fileOutage, harness } from '../helpers/harness.ts';

// Later messages (agent replies, progress) go where the customer's channel allows: freely inside its
// window, as an approved template when it says so, else by SMS to the phone they gave, else nowhere
// (kept in the transcript, noted on the ticket). Time moves only when the test moves the clock.

const HOUR = 3_600_000;
interface Out {
  to: string;
  text: string;
  ctx: SendContext;
}

function windowed(name: string, out: Out[], o: { template?: boolean; blocked?: Set<string> } = {}): ChannelAdapter {
  return {
    name,
    canSend(contact: ChannelContact, _kind, now) {
      const inside = contact.lastInboundAt && now.getTime() - Date.parse(contact.lastInboundAt) < 48 * HOUR && contact.sentSinceInbound < 5;
      if (inside) return { allowed: 'yes' };
      return o.template ? { allowed: 'template' } : { allowed: 'no', reason: 'outside the 48 h window' };
    },
    async send(to: string, message: OutboundMessage, ctx: SendContext) {
      if (o.blocked?.has(to)) throw new AppError('UNREACHABLE', 'blocked by the user');
      out.push({ to, text: message.text, ctx });
    },
  };
}

const file = (h: ReturnType<typeof harness>, user: string, phone = true) => fileOutage(h, user, { phone });

describe('proactive delivery by channel rule', () => {
  it('inside the window the message goes on the channel and counts; outside it goes as a template when allowed', async () => {
    const out: Out[] = [];
    const h = harness({ channels: [windowed('test', out, { template: true })] });
    const done = await file(h, 'w1');
    const conv = (await h.store.findConversation('test', 'w1'))!;
    expect(conv.contact).toMatchObject({ lastInboundAt: h.clock.now.toISOString(), sentSinceInbound: 1 });
    await h.engine.ticketEvent(done.ticketId!, { type: 'progress', message: 'Crew on the way.' });
    expect(out.at(-1)).toMatchObject({ to: 'w1', ctx: { mode: 'push', locale: 'en' } });
    expect(out.at(-1)!.ctx.template).toBeUndefined();
    expect((await h.store.findConversation('test', 'w1'))!.contact!.sentSinceInbound).toBe(2);
    h.clock.now = new Date(h.clock.now.getTime() + 49 * HOUR);
    await h.engine.ticketEvent(done.ticketId!, { type: 'resolved', message: 'Fixed.' });
    expect(out.at(-1)).toMatchObject({ to: 'w1', ctx: { mode: 'push', template: true } });
  });

  it('outside the window with no template, the phone on file gets it by SMS', async () => {
    const out: Out[] = [];
    const sms: Out[] = [];
    const h = harness({ channels: [windowed('test', out), windowed('sms-test', sms)], smsFallback: 'sms-test' });
    const done = await file(h, 'w2');
    h.clock.now = new Date(h.clock.now.getTime() + 49 * HOUR);
    const before = out.length;
    await h.engine.ticketEvent(done.ticketId!, { type: 'progress', message: 'Crew on the way.' });
    expect(out.length).toBe(before);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ to: '+447700900123', ctx: { mode: 'push', template: true } });
    expect(sms[0]!.text).toContain('Crew on the way.');
  });

  it('with no phone and no window, the message stays in the transcript and the ticket notes it was not delivered', async () => {
    const out: Out[] = [];
    const h = harness({ channels: [windowed('test', out)] });
    await file(h, 'w3', false);
    const conv = (await h.store.findConversation('test', 'w3'))!;
    h.clock.now = new Date(h.clock.now.getTime() + 49 * HOUR);
    const before = out.length;
    await h.engine.agentMessage(conv.id, 'Hello, this is Li.');
    expect(out.length).toBe(before);
    expect((await h.store.listMessages(conv.id)).at(-1)).toMatchObject({ author: 'agent', text: 'Hello, this is Li.' });
  });

  it('a customer who blocked the bot is marked unreachable once; later messages go by SMS; writing again clears it', async () => {
    const out: Out[] = [];
    const sms: Out[] = [];
    const blocked = new Set<string>();
    const h = harness({ channels: [windowed('test', out, { blocked }), windowed('sms-test', sms)], smsFallback: 'sms-test' });
    const done = await file(h, 'w4');
    blocked.add('w4');
    await h.engine.ticketEvent(done.ticketId!, { type: 'acknowledged', message: 'We are on it.' });
    await h.engine.drain();
    for (let i = 0; i < 50 && !(await h.store.findConversation('test', 'w4'))!.contact?.unreachable; i++) await new Promise((r) => setTimeout(r, 5));
    expect((await h.store.findConversation('test', 'w4'))!.contact!.unreachable).toMatchObject({ reason: 'blocked' });
    // The refused message itself goes by SMS, and the ticket's timeline says it was not delivered in the chat.
    for (let i = 0; i < 50 && sms.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(sms.at(-1)).toMatchObject({ to: '+447700900123', ctx: { template: true } });
    expect(sms.at(-1)!.text).toContain('We are on it.');
    const timeline = (await h.store.getTicket(done.ticketId!))!.timeline;
    expect(timeline.at(-1)).toMatchObject({ type: 'note', by: 'system', message: 'not delivered', data: { channel: 'test', fallback: 'sms-test' } });
    // Not retried: the outbox has nothing left for it.
    const left = await h.store.pendingEffects(new Date(h.clock.now.getTime() + 10 * HOUR).toISOString());
    expect(left.filter((e) => e.kind === 'send')).toEqual([]);
    await h.engine.ticketEvent(done.ticketId!, { type: 'progress', message: 'Crew on the way.' });
    expect(sms.at(-1)).toMatchObject({ to: '+447700900123' });
    blocked.delete('w4');
    await h.say('w4', 'hello again');
    expect((await h.store.findConversation('test', 'w4'))!.contact!.unreachable).toBeUndefined();
  });

  it('progress goes by text message when the customer asked for updates that way', async () => {
    const out: Out[] = [];
    const sms: Out[] = [];
    const h = harness({ channels: [windowed('test', out), windowed('sms-test', sms)], smsFallback: 'sms-test' });
    const done = await fileOutage(h, 'w5', { updates: 'By text message' });
    expect((await h.store.getTicket(done.ticketId!))!.contact.channel).toBe('sms');
    const before = out.length;
    await h.engine.ticketEvent(done.ticketId!, { type: 'progress', message: 'Crew on the way.' });
    expect(out.length).toBe(before);
    expect(sms.at(-1)).toMatchObject({ to: '+447700900123', ctx: { template: true } });
    expect(sms.at(-1)!.text).toContain('Crew on the way.');
  });
});

describe('order of a customer\'s messages when a send fails', () => {
  it('the replies after a failed one wait for its retry, so they arrive in order; a hand-off waits too', async () => {
    const sent: string[] = [];
    const calls: string[] = [];
    let failures = 1;
    const flaky: ChannelAdapter = {
      name: 'test',
      async send(_to, message) {
        calls.push(message.text);
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('503 from the platform'), { retryAfterMs: 1000 });
        }
        sent.push(message.text);
      },
      async handOff() {
        calls.push('<hand-off>');
      },
    };
    const h = harness({ channels: [flaky] });
    // Strong anger: empathy, the ticket, then the queue: several replies and a hand-off in one turn.
    const r = await h.say('order-1', '你们这帮废物！停电三天了还不来修，简直气死我了！！');
    expect(r.replies.length).toBeGreaterThan(1);
    // The first reply failed; nothing after it went out of order.
    expect(calls).toEqual([r.replies[0]!.text]);
    h.clock.now = new Date(h.clock.now.getTime() + 1000);
    await h.engine.drain();
    expect(sent).toEqual(r.replies.map((x) => x.text));
    expect(calls.at(-1)).toBe('<hand-off>');
  });
});
