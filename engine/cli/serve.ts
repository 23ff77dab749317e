import { serve as listen } from '@hono/node-server';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { buildService } from '../service.ts';
import { loadPack } from '../packs/load.ts';
import { encoderFor } from '../understand/index.ts';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const service = buildService(config, log, { encoder: await encoderFor(loadPack(config.BOT)) });
  await service.engine.start();
  const server = listen({ fetch: service.app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    const channels = [...service.engine.channels.values()].map((c) => (c.webhook ? `${c.name} ${c.path ?? `/webhooks/${c.name}`}` : c.name));
    log.info({ bot: service.pack.name, store: service.store.kind, port: info.port, channels }, `listening on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${info.port}/`);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new requests, finishing turns in flight');
    // No new connections; idle keep-alive ones are closed so balancers move on. Open event streams
    // would keep close() waiting forever, so the process exits once the turns in flight are done.
    server.close();
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    void service.engine
      .stop()
      .then(() => {
        log.info('stopped cleanly');
        process.exit(0);
      })
      .catch((err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
