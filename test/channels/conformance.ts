import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelDefinition } from '../../engine/channels.ts';
import { loadConfig } from '../../engine/config.ts';
import { silentLogger } from '../../engine/log.ts';
import { buildService, type Service } from '../../engine/service.ts';

// One suite, every channel: the real service (in process, memory store) with the channel enabled by
// its variables, its real SDK pointed at the subject's fake platform on loopback.
//
// A webhook channel's test file calls channelConformance({ kind: 'webhook', ... }):
//   name, definition       the channel's row (adapters/<channel>/index.ts)
//   start()                starts the fake platform; returns the channel's env pointing at it
//   stop()
//   inbound(user, text, deliveryId)   a delivery exactly as the platform would send it, signed:
//                          { method, path, query?, headers, body }; the signed URL is PUBLIC_BASE + path + query
//   forge(delivery)        the same delivery with a wrong signature
//   malformed()            a correctly signed delivery whose body is not a valid payload
//   sent(user)             what the fake received for this user, oldest first: [{ text, buttons? }]
//   channelUserId(user)    the id the bot sees for this user
// A channel with its own transport (wechaty) calls it with { kind: 'polled', name, definition, start,
// stop, say(user, text), sent(user), channelUserId(user) }.

export const PUBLIC_BASE = 'https://intake.example.test';

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
}

interface Common {
  name: string;
  definition: ChannelDefinition;
  start(): Promise<Record<string, string>>;
  stop(): Promise<void>;
  sent(user: string): Sent[];
  channelUserId(user: string): string;
}
export type Subject =
  | (Common & { kind: 'webhook'; inbound(user: string, text: string, deliveryId: string): Delivery; forge(d: Delivery): Delivery; malformed(): Delivery })
  | (Common & { kind: 'polled'; say(user: string, text: string): Promise<void> });

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function channelConformance(subject: Subject): void {
  describe(`channel conformance: ${subject.name}`, () => {
    let dir: string;
    let service: Service;
    let channel: ChannelAdapter;
    let seq = 0;

    beforeAll(async () => {
      const env = await subject.start();
      dir = mkdtempSync(join(tmpdir(), `intake-${subject.name}-`));
      service = buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory', PUBLIC_URL: PUBLIC_BASE, JOB_EVERY_MS: '0' }), silentLogger(), {
        env,
        channels: [subject.definition],
      });
      expect(service.channelProblems).toEqual([]);
      channel = service.engine.channels.get(subject.name)!;
      expect(channel, `${subject.name} is enabled by its variables`).toBeDefined();
      await service.engine.start();
    });
    afterAll(async () => {
      await service?.engine.stop();
      await subject.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
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

    if (subject.kind === 'webhook') {
      const hooked = subject;
      it('a forged delivery is refused before anything runs', async () => {
        const res = await post(hooked.forge(hooked.inbound('mallory', 'Hello', 'forged-1')));
        expect([401, 403]).toContain(res.status);
        expect(await conversation('mallory')).toBeNull();
        expect(hooked.sent('mallory')).toEqual([]);
      });

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
