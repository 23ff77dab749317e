import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createEngine, type Engine } from './engine.ts';
import { loadPack } from './packs/load.ts';
import { fileSecret } from './secrets.ts';
import type { Store } from './store.ts';
import { createApp } from './http/app.ts';
import { openStore } from './open-store.ts';
import { openScheduling } from './open-scheduling.ts';
import { enableChannels } from './enable-channels.ts';
import type { ChannelDefinition } from './channels.ts';
import { CHANNELS } from '../adapters/channels.ts';
import { reportConnectionErrors, type RedisClient } from '../adapters/store/redis/connection.ts';
import { createHub } from '../adapters/web-chat/hub.ts';
import { createWebChannel } from '../adapters/web-chat/channel.ts';
import { serviceModelCache } from './understand/model-cache.ts';
import type { SentenceEncoder } from './understand/sentence-encoder.ts';

/** Everything the server needs, built from configuration; `serve` and the tests share it. */
export function buildService(
  config: Config,
  log: Logger,
  overrides: {
    now?: () => Date; store?: Store; env?: Readonly<Record<string, string | undefined>>; channels?: readonly ChannelDefinition[];
    /** From `encoderFor(pack)`, loaded before: building the service is synchronous. */
    encoder?: SentenceEncoder | undefined;
  } = {},
) {
  const pack = loadPack(config.BOT);
  const store = overrides.store ?? openStore(config);
  const { scheduler, leases, limiter } = openScheduling(config, store);
  if (store.kind === 'redis' && 'client' in store) {
    reportConnectionErrors(store.client as RedisClient, (message) => log.warn({ store: 'redis', err: message }, 'redis connection error; commands wait and retry'));
  }
  const hub = createHub();
  const now = overrides.now ?? (() => new Date());
  const enabled = enableChannels(overrides.channels ?? CHANNELS, overrides.env ?? process.env, { store, log, now });
  const smsFallback = config.SMS_FALLBACK_CHANNEL ?? enabled.channels.find((c) => c.name.startsWith('sms-'))?.name;
  const engine: Engine = createEngine({
    pack,
    store,
    scheduler,
    ...(leases ? { leases } : {}),
    ...(limiter ? { limiter } : {}),
    jobEveryMs: config.JOB_EVERY_MS,
    log,
    channels: [createWebChannel(hub), ...enabled.channels],
    ...(smsFallback ? { smsFallback } : {}),
    modelCache: serviceModelCache(config),
    encoder: overrides.encoder,
    now,
  });
  const dataDir = resolve(config.DATA_DIR);
  let apiToken = config.API_TOKEN;
  if (!apiToken) {
    const secret = fileSecret(dataDir, 'api-token');
    apiToken = secret.value;
    log.info({ file: secret.path }, secret.created ? 'API_TOKEN not set: generated one and stored it in this file' : 'API_TOKEN not set: using the one stored in this file');
  }
  if (!config.WEB_IDENTITY_SECRET) {
    log.warn('WEB_IDENTITY_SECRET not set: the web chat runs open (any caller may use any userId). Set it in production.');
  }
  const cookieKey = fileSecret(dataDir, 'web-cookie.key').value;
  const app = createApp({
    engine,
    hub,
    log,
    apiToken,
    cookieKey,
    maxBodyBytes: config.MAX_BODY_BYTES,
    ...(config.PUBLIC_URL ? { publicBaseUrl: config.PUBLIC_URL } : {}),
    ...(config.WEB_IDENTITY_SECRET ? { webIdentitySecret: config.WEB_IDENTITY_SECRET } : {}),
  });
  return { pack, store, hub, engine, app, apiToken, channelProblems: enabled.problems };
}
export type Service = ReturnType<typeof buildService>;
