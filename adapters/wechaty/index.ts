import { createRequire } from 'node:module';
import type { Wechaty, WechatyOptions } from 'wechaty';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelDefinition,
  ChannelDeps,
  InboundMessage,
  WebhookResult,
} from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { present } from '../channel-kit/present.ts';

/**
 * A personal WeChat account driven by wechaty (RPA through a "puppet": wechaty-puppet-wechat4u,
 * wechaty-puppet-service with a token, ...). WARNING: automating a personal WeChat account breaks
 * WeChat's rules (the WeChat Security Center's 2024-03-26 announcement on 外挂 bans auto-reply and
 * auto-chat bots); the account can be restricted or banned at any time, and that risk is the
 * operator's. The sanctioned routes are the Official Account and WeCom 微信客服 channels. So this
 * channel refuses to start unless WECHATY_I_ACCEPT_THE_RISK=yes.
 *
 * No webhook: start() logs the bot in and listens. Text messages from contacts become turns; in
 * group chats only messages that @mention the bot do, and the answer goes to that group, @mentioning
 * the customer. There are no buttons: choices are numbered options in the text.
 */
export const WECHATY = 'wechaty';

const ENV = ['WECHATY_PUPPET', 'WECHATY_PUPPET_TOKEN', 'WECHATY_I_ACCEPT_THE_RISK', 'WECHATY_SEND_INTERVAL_MS'] as const;

/** Plain text, numbered options. WeChat takes long texts; 2000 characters keeps each bubble readable. */
const CAPABILITIES: ChannelCapabilities = { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: 2000, markup: 'plain' };

// An npm package name of a puppet: wechaty-puppet-wechat4u, @juzi/wechaty-puppet-service, ...
const PUPPET_NAME = /^(?:@[a-z0-9][a-z0-9._-]*\/)?wechaty-puppet-[a-z0-9][a-z0-9._-]*$/;

type Puppet = Extract<WechatyOptions, { puppet?: unknown }>['puppet'];

export interface WechatyChannelOptions {
  /** A puppet instance (tests: a PuppetMock with its Mocker); replaces WECHATY_PUPPET. */
  puppet?: Exclude<Puppet, string>;
}

const invalid = (msg: string) => new AppError('CONFIG_INVALID', msg);

/** Whether an npm package can be loaded from here (its package.json may be hidden by "exports": that still means it is there). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${name}/package.json`);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

export const definition: ChannelDefinition = {
  name: WECHATY,
  env: ENV,
  create: (env, deps) => createWechatyChannel(env, deps),
};

export function createWechatyChannel(
  env: Readonly<Record<string, string | undefined>>,
  deps: ChannelDeps,
  options: WechatyChannelOptions = {},
): ChannelAdapter {
  const v = (k: (typeof ENV)[number]) => env[k]?.trim() ?? '';
  if (v('WECHATY_I_ACCEPT_THE_RISK').toLowerCase() !== 'yes') {
    throw invalid(
      "WECHATY_I_ACCEPT_THE_RISK: must be yes to run this channel: automating a personal WeChat account breaks WeChat's terms (auto-reply bots are banned as 外挂) and the account may be restricted or banned; use the Official Account or WeCom 微信客服 channels for production",
    );
  }
  const puppetName = v('WECHATY_PUPPET');
  const token = v('WECHATY_PUPPET_TOKEN');
  if (!options.puppet) {
    if (!puppetName) throw invalid('WECHATY_PUPPET: required (the puppet package, e.g. wechaty-puppet-wechat4u)');
    if (!PUPPET_NAME.test(puppetName)) throw invalid('WECHATY_PUPPET: must be a wechaty puppet package name (wechaty-puppet-…)');
    if (/wechaty-puppet-service$/.test(puppetName) && !token) throw invalid('WECHATY_PUPPET_TOKEN: required for wechaty-puppet-service');
  }
  if (token && /\s/.test(token)) throw invalid('WECHATY_PUPPET_TOKEN: must not contain spaces');
  const intervalRaw = v('WECHATY_SEND_INTERVAL_MS');
  if (intervalRaw && (!/^\d+$/.test(intervalRaw) || Number(intervalRaw) > 60_000)) {
    throw invalid('WECHATY_SEND_INTERVAL_MS: must be a whole number of milliseconds, 0–60000');
  }
  if (!options.puppet && !installed(puppetName)) throw invalid(`WECHATY_PUPPET: the package ${puppetName} is not installed`);
  // Bursts of messages are what gets accounts flagged: one message at a time, spaced out.
  const sendIntervalMs = intervalRaw ? Number(intervalRaw) : 1000;
  const log = deps.log.child({ channel: WECHATY });

  let bot: Wechaty | undefined;
  let pacing: Promise<void> = Promise.resolve();
  let lastSentAt = 0;

  /** Runs sends one after another, at least sendIntervalMs apart, in this process. */
  function paced<T>(task: () => Promise<T>): Promise<T> {
    const run = pacing.then(async () => {
      const wait = lastSentAt + sendIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        return await task();
      } finally {
        lastSentAt = Date.now();
      }
    });
    pacing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  return {
    name: WECHATY,
    capabilities: CAPABILITIES,

    async start(deliver: (result: Omit<WebhookResult, 'response'>) => Promise<void>) {
      // Loaded only when the channel runs: wechaty pulls in a few hundred packages.
      const { WechatyBuilder, types } = await import('wechaty');
      const b = options.puppet
        ? WechatyBuilder.build({ puppet: options.puppet })
        : WechatyBuilder.build({ puppet: puppetName as never, ...(token ? { puppetOptions: { token } } : {}) });
      bot = b;
      // Without an 'error' listener wechaty's errors would crash the process.
      b.on('error', (err) => log.warn({ err: { message: err.message } }, 'wechaty error'));
      b.on('scan', (qrcode, status) => {
        if (status === types.ScanStatus.Waiting || status === types.ScanStatus.Timeout) {
          log.warn({ qrcode }, 'wechaty: log the bot account in by scanning this QR code (render the value as a QR image)');
        }
      });
      b.on('login', () => log.info('wechaty: logged in'));
      b.on('logout', () => log.warn('wechaty: logged out; messages cannot be sent until it logs in again'));
      b.on('message', (msg) => {
        void (async () => {
          if (msg.self() || msg.type() !== types.Message.Text) return;
          const room = msg.room();
          // In a group, only what is said to the bot (@bot) is a customer message.
          if (room && !(await msg.mentionSelf())) return;
          const text = (room ? await msg.mentionText() : msg.text()).trim();
          if (!text) return;
          const message: InboundMessage = {
            channel: WECHATY,
            channelUserId: msg.talker().id,
            text,
            messageId: msg.id,
            timestamp: msg.date().toISOString(),
            contact: room ? { via: 'room', roomId: room.id } : { via: 'direct' },
          };
          await deliver({ messages: [message] });
        })().catch((err: unknown) => {
          // No redelivery on this channel: the message is lost; say so without its content.
          log.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'wechaty: a customer message could not be handled');
        });
      });
      // Not `bot.ready()`: some puppets (the mock) never emit it. Login happens in the background.
      // A puppet that fails or hangs leaves this channel off, not the whole service.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          b.start(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('the puppet did not start within 30 s')), 30_000);
          }),
        ]);
      } catch (err) {
        log.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'wechaty could not start; the channel is off');
      } finally {
        clearTimeout(timer);
      }
    },

    async stop() {
      const b = bot;
      bot = undefined;
      await b?.stop();
    },

    async send(channelUserId, message, ctx) {
      const b = bot;
      if (!b || !b.isLoggedIn) throw new Error('wechaty: the bot is not logged in; the outbox retries');
      const shown = present(message, CAPABILITIES, ctx.locale);
      const contact = await b.Contact.find({ id: channelUserId });
      if (!contact) throw new AppError('UNREACHABLE', 'wechaty: the contact is gone');
      const roomId = ctx.contact?.via === 'room' && typeof ctx.contact.roomId === 'string' ? ctx.contact.roomId : undefined;
      if (roomId) {
        const room = await b.Room.find({ id: roomId });
        if (!room) throw new AppError('UNREACHABLE', 'wechaty: the bot is no longer in that group');
        for (const text of shown.texts) await paced(() => room.say(text, contact));
        return;
      }
      // A personal account can only message its friends (deleted or blocked: the send goes nowhere).
      if (contact.friend() === false) throw new AppError('UNREACHABLE', 'wechaty: the customer is not (or no longer) a friend of the bot account');
      for (const text of shown.texts) await paced(() => contact.say(text));
    },

    // Any time, while the customer is a friend. The real limit is the account-ban risk above.
    canSend: () => ({ allowed: 'yes' }),
  };
}
