import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelDefinition, SendContext } from '../../engine/channels.ts';
import type { Service } from '../../engine/service.ts';
import { channelService, PUBLIC_BASE, until } from './helpers.ts';

export { PUBLIC_BASE };

// One suite, every channel: the real service (in process, memory store) with the channel enabled by
// its variables, its real SDK pointed at the subject's fake platform on loopback. The service runs on a
// clock the suite moves (the proactive window, the outbox's retry times); the fakes keep real time.
//
// A webhook channel's test file calls channelConformance({ kind: 'webhook', ... }):
//   name, definition       the channel's row (adapters/<channel>/index.ts)
//   start()                starts the fake platform; returns the channel's env pointing at it
//   stop()
//   inbound(user, text, deliveryId)   a delivery exactly as the platform would send it, signed:
//                          { method, path, query?, headers, body }; the signed URL is PUBLIC_BASE + path + query
//   forge(delivery)        the same delivery with a wrong signature
//   unsigned(delivery)     the same delivery with no signature at all (header or parameter left out)
//   malformed()            a correctly signed delivery whose body is not a valid payload
//   sent(user)             what the fake accepted for this user, oldest first: [{ text, buttons?, template? }]
//                          (template: it went as an approved template / notification message)
//   channelUserId(user)    the id the bot sees for this user
//   window                 the channel's proactive rule: 'none' (it may always push), or a 48 h window after
//                          the customer's last message, then { template: true } an approved template or
//                          { template: false } nothing (the SMS fallback carries it)
//   rateLimitNext?(user, seconds)   the fake answers the next send to this user with the platform's own
//                          rate-limit answer (HTTP 429, errcode 45009, Throttling...), saying "retry after
//                          `seconds`" where the platform does; returns { retryAfter } = whether it does
//   attempts?(user)        every send request the fake got for this user, oldest first, refused ones
//                          included: [{ at (the fake's Date.now()), limited (refused as rate limited) }]
// A channel with its own transport (wechaty, Telegram long polling) calls it with { kind: 'polled', name,
// definition, start, stop, say(user, text), sent(user), channelUserId(user), window, rateLimitNext?, attempts? }.


export interface Delivery {
  method: string;
  path: string;
  query?: string;
  headers: Record<string, string>;
  body: string;
}

export interface Sent {
  text: string;
  buttons?: string[];
  /** It went as an approved template / notification message (WeChat template message, Aliyun SMS template). */
  template?: boolean;
}

/** One send request as the fake platform saw it. */
export interface Attempt {
  /** The fake's own clock (Date.now()) when the request came. */
  at: number;
  /** Refused as rate limited (429, errcode 45009, Throttling...). */
  limited: boolean;
}

/** The proactive rule: 'none' = may always push; else a 48 h window, then a template or nothing. */
export type ProactiveWindow = 'none' | { template: boolean };

interface Common {
  name: string;
  definition: ChannelDefinition;
  start(): Promise<Record<string, string>>;
  stop(): Promise<void>;
  sent(user: string): Sent[];
  channelUserId(user: string): string;
  window: ProactiveWindow;
  rateLimitNext?(user: string, seconds: number): { retryAfter: boolean };
  attempts?(user: string): Attempt[];
}
export type Subject =
  | (Common & {
      kind: 'webhook';
      inbound(user: string, text: string, deliveryId: string): Delivery;
      forge(d: Delivery): Delivery;
      unsigned(d: Delivery): Delivery;
      malformed(): Delivery;
    })
  | (Common & { kind: 'polled'; say(user: string, text: string): Promise<void> });

const HOUR = 60 * 60 * 1000;
/** The phone number a customer gave, for the SMS fallback. */
const PHONE = '+8613912345678';

/**
 * A second channel for the SMS fallback: an in-memory SMS channel, enabled by SMS_TEST=1. It is the only
 * sms-* channel beside a non-SMS subject, so with SMS_FALLBACK_CHANNEL unset it carries what the
 * subject's channel refuses. It records what it sends, per phone number.
 */
function smsTestChannel() {
  const sent = new Map<string, Array<{ text: string; ctx: SendContext }>>();
  const definition: ChannelDefinition = {
    name: 'sms-test',
    env: ['SMS_TEST'],
    create: () => ({
      name: 'sms-test',
      capabilities: { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: 1000, markup: 'plain' },
      async send(phone, message, ctx) {
        if (!sent.has(phone)) sent.set(phone, []);
        sent.get(phone)!.push({ text: message.text, ctx });
      },
      canSend: (contact) => (contact.unreachable ? { allowed: 'no', reason: 'sms-test: unreachable' } : { allowed: 'yes' }),
    }),
  };
  return { definition, sentTo: (phone: string) => sent.get(phone) ?? [] };
}


export function channelConformance(subject: Subject): void {
  describe(`channel conformance: ${subject.name}`, () => {
    let service: Service;
    let dispose: () => Promise<void>;
    let channel: ChannelAdapter;
    let seq = 0;
    // The service's clock: real time plus an offset the suite moves. Each move is remembered, so a moment
    // the fake recorded in real time can be read on the service's clock (as it would be in production).
    let offset = 0;
    const moves: Array<{ from: number; offset: number }> = [];
    const moveClock = (ms: number) => {
      offset += ms;
      moves.push({ from: Date.now(), offset });
    };
    const serviceTime = (realMs: number) => realMs + ([...moves].reverse().find((m) => m.from <= realMs)?.offset ?? 0);
    // Beside a non-SMS channel, an SMS channel for the fallback (an SMS subject is its own).
    const sms = subject.name.startsWith('sms-') ? undefined : smsTestChannel();

    beforeAll(async () => {
      const env = await subject.start();
      ({ service, dispose } = channelService(
        [subject.definition, ...(sms ? [sms.definition] : [])],
        { ...env, ...(sms ? { SMS_TEST: '1' } : {}) },
        () => new Date(Date.now() + offset),
      ));
      channel = service.engine.channels.get(subject.name)!;
      expect(channel, `${subject.name} is enabled by its variables`).toBeDefined();
      if (sms) expect(service.engine.channels.get('sms-test')).toBeDefined();
      await service.engine.start();
    });
    afterAll(async () => {
      await dispose?.();
      await subject.stop();
    });

    const post = (d: Delivery) =>
      service.app.request(`${PUBLIC_BASE}${d.path}${d.query ? `?${d.query}` : ''}`, { method: d.method, headers: d.headers, body: d.method === 'GET' ? null : d.body });

    /** The customer writes; resolves once the bot's answer reached the platform. */
    async function say(user: string, text: string, deliveryId = `d${++seq}`): Promise<Sent[]> {
      const before = subject.sent(user).length;
      if (subject.kind === 'webhook') {
        const res = await post(subject.inbound(user, text, deliveryId));
        expect(res.status, await res.clone().text()).toBeLessThan(300);
      } else await subject.say(user, text);
      await until(() => subject.sent(user).length > before, `the bot's answer to "${text}"`);
      // Multi-part answers land together; give a split text its last part.
      await new Promise((r) => setTimeout(r, 20));
      return subject.sent(user).slice(before);
    }

    const conversation = (user: string) => service.store.findConversation(subject.name, subject.channelUserId(user));

    it('a customer message reaches the bot and its answer reaches the customer through the platform', async () => {
      const got = await say('alice', 'Hello');
      expect(got.map((s) => s.text).join('\n')).toMatch(/assistant/i);
      const conv = await conversation('alice');
      expect(conv?.contact?.lastInboundAt).toBeDefined();
    });

    it('offers choices as buttons or numbered options, and a number picks one', async () => {
      const got = await say('bob', 'I want to file a complaint');
      // A long numbered list may have been split over several messages: read the whole answer.
      const buttons = got.flatMap((s) => s.buttons ?? []);
      const text = got.map((s) => s.text).join('\n');
      const shown = buttons.length ? buttons : [...text.matchAll(/^\s*(\d{1,2})\.\s*(.+)$/gmu)].map((m) => m[2]!);
      expect(shown.length, `choices in: ${JSON.stringify(got)}`).toBeGreaterThan(2);
      const next = await say('bob', '2');
      expect(next.map((s) => s.text).join('\n')).toMatch(/what happened/i);
    });

    it('an agent message later reaches the customer on the same channel, split when too long', async () => {
      await say('carol', 'Hello');
      const conv = (await conversation('carol'))!;
      const before = subject.sent('carol').length;
      const max = channel.capabilities?.maxLength ?? 4000;
      const long = `Hello, this is Li from the service team. ${'We have checked your meter and the readings are correct. '.repeat(Math.ceil((max * 1.3) / 57))}`;
      await service.engine.agentMessage(conv.id, long);
      await until(() => subject.sent('carol').length > before, 'the agent message');
      await new Promise((r) => setTimeout(r, 50));
      const parts = subject.sent('carol').slice(before);
      expect(parts.length).toBeGreaterThan(1);
      for (const p of parts) expect([...p.text].length).toBeLessThanOrEqual(max);
      expect(parts[0]!.text).toContain('Hello, this is Li');
    });

    const rateLimitNext = subject.rateLimitNext?.bind(subject);
    if (rateLimitNext) {
      it('a rate-limited send is retried after the platform\'s delay (or the adapter\'s backoff) and arrives once', async () => {
        expect(subject.attempts, 'a subject with rateLimitNext records attempts').toBeDefined();
        const attempts = (u: string) => subject.attempts!(u);
        await say('rita', 'Hello');
        const conv = (await conversation('rita'))!;
        const sentBefore = subject.sent('rita').length;
        const triedBefore = attempts('rita').length;
        const text = 'Thanks for waiting: the technician is on the way.';
        const { retryAfter } = rateLimitNext('rita', 1);
        const arrived = () => subject.sent('rita').slice(sentBefore).some((s) => s.text.includes(text));
        const clockBefore = offset;
        try {
          await service.engine.agentMessage(conv.id, text);
          // Retried in place (the SDK or the adapter waited and sent again) or handed back to the outbox:
          // then its entry is due once the service's clock is past the backoff, and drain() runs it.
          for (let step = 3_000, round = 0; !arrived() && round < 12; step *= 2, round++) {
            await new Promise((r) => setTimeout(r, 20));
            if (arrived()) break;
            moveClock(step);
            await service.engine.drain();
          }
          await until(arrived, 'the rate-limited agent message');
          await new Promise((r) => setTimeout(r, 50));
        } finally {
          moveClock(clockBefore - offset);
        }
        const got = subject.sent('rita').slice(sentBefore);
        expect(got.map((s) => s.text)).toEqual([text]);
        const tried = attempts('rita').slice(triedBefore);
        expect(tried[0]?.limited, `the first attempt was refused: ${JSON.stringify(tried)}`).toBe(true);
        const accepted = tried.filter((a) => !a.limited);
        expect(accepted).toHaveLength(1);
        if (retryAfter) {
          // Not sooner than the platform asked, on the service's clock (the real one in production).
          const waited = serviceTime(accepted[0]!.at) - serviceTime(tried[0]!.at);
          expect(waited, 'ms between the refused attempt and the accepted one').toBeGreaterThanOrEqual(900);
        }
      });
    }

    it(`a later message ${subject.window === 'none' ? 'goes on the channel even 49 h after the customer last wrote' : subject.window.template ? 'goes as a template once the customer has been silent 49 h' : 'goes by SMS to the phone on file once the customer has been silent 49 h'}`, async () => {
      const win = subject.window;
      await say('wendy', 'Hello');
      const conv = (await conversation('wendy'))!;
      // The customer gave a phone number (the intake asks for one when a ticket is filed).
      const customer = (await service.store.getCustomer(conv.customerId))!;
      await service.store.commit({ customers: [{ value: { ...customer, phone: PHONE }, expectedVersion: customer.version }] });
      const before = subject.sent('wendy').length;
      const text = 'Update from Li: the repair is done.';
      const clockBefore = offset;
      moveClock(49 * HOUR);
      try {
        await service.engine.agentMessage(conv.id, text);
        const fresh = () => subject.sent('wendy').slice(before);
        if (win === 'none' || win.template) {
          await until(() => fresh().length > 0, 'the agent message on the channel');
          await new Promise((r) => setTimeout(r, 50));
          expect(fresh().map((s) => s.text).join('')).toContain(text);
          for (const s of fresh()) expect(s.template ?? false, `sent as a template or not: ${JSON.stringify(s)}`).toBe(win !== 'none');
          if (sms) expect(sms.sentTo(PHONE)).toEqual([]);
        } else {
          expect(sms, 'an SMS channel has no SMS fallback beside it').toBeDefined();
          await until(() => (sms?.sentTo(PHONE).length ?? 0) > 0, 'the agent message by SMS');
          expect(sms!.sentTo(PHONE).map((m) => [m.text, m.ctx.template])).toEqual([[text, true]]);
          await new Promise((r) => setTimeout(r, 50));
          expect(fresh()).toEqual([]);
        }
      } finally {
        moveClock(clockBefore - offset);
      }
    });

    if (subject.kind === 'webhook') {
      const hooked = subject;
      for (const [what, make, user] of [
        ['a forged signature', (d: Delivery) => hooked.forge(d), 'mallory'],
        ['no signature at all', (d: Delivery) => hooked.unsigned(d), 'oscar'],
      ] as const) {
        it(`a delivery with ${what} is refused (401/403) before anything runs or is stored`, async () => {
          const res = await post(make(hooked.inbound(user, 'Hello', `refused-${user}`)));
          expect([401, 403]).toContain(res.status);
          await new Promise((r) => setTimeout(r, 20));
          expect(await conversation(user)).toBeNull();
          expect(hooked.sent(user)).toEqual([]);
        });
      }

      it('a malformed delivery is a clear 400 and runs nothing', async () => {
        const res = await post(hooked.malformed());
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
      });

      it('the same delivery twice is one turn', async () => {
        const d = hooked.inbound('dave', 'Hello', 'dup-1');
        expect((await post(d)).status).toBeLessThan(300);
        await until(() => hooked.sent('dave').length > 0, 'the first answer');
        const answered = hooked.sent('dave').length;
        expect((await post(d)).status).toBeLessThan(300);
        await new Promise((r) => setTimeout(r, 50));
        expect(hooked.sent('dave').length).toBe(answered);
        const conv = (await conversation('dave'))!;
        const said = (await service.store.listMessages(conv.id)).filter((m) => m.author === 'customer');
        expect(said).toHaveLength(1);
      });
    }
  });
}
