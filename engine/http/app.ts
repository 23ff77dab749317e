import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Engine } from '../engine.ts';
import { AppError } from '../errors.ts';
import { agentApi } from './agent-api.ts';
import { webhooks } from './webhooks.ts';
import { errorBody, sendError } from './errors.ts';
import { webChatRoutes } from '../../adapters/web-chat/routes.ts';
import type { Hub } from '../../adapters/web-chat/hub.ts';

export interface AppOptions {
  engine: Engine;
  hub: Hub;
  log: Logger;
  apiToken: string;
  webIdentitySecret?: string;
  cookieKey: string;
  maxBodyBytes: number;
  publicBaseUrl?: string;
}

/** The whole public HTTP surface; tests drive it in-process with `app.request()`. */
export function createApp(o: AppOptions): Hono {
  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: o.maxBodyBytes,
      onError: (c) => c.json(errorBody('PAYLOAD_TOO_LARGE', `the body is larger than ${o.maxBodyBytes} bytes`), 413),
    }),
  );
  app.onError((err, c) => {
    if (err instanceof AppError) return sendError(c, err);
    o.log.error({ err, path: c.req.path }, 'request failed');
    return c.json(errorBody('INTERNAL', 'something went wrong on our side; nothing was lost, please retry'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Load balancers stop sending here while the store is unreachable or the instance is shutting down.
  app.get('/readyz', async (c) => {
    const store = o.engine.store.kind;
    if (!o.engine.accepting) return c.json({ status: 'stopping', store }, 503);
    if (await o.engine.ready()) return c.json({ status: 'ready', store });
    o.log.warn({ store }, 'store did not answer the readiness probe');
    return c.json({ status: 'unavailable', store }, 503);
  });
  app.use('*', webhooks({ engine: o.engine, log: o.log, ...(o.publicBaseUrl ? { publicBaseUrl: o.publicBaseUrl } : {}) }));
  app.route('/', webChatRoutes({ engine: o.engine, hub: o.hub, cookieKey: o.cookieKey, ...(o.webIdentitySecret ? { secret: o.webIdentitySecret } : {}) }));
  app.route('/api', agentApi(o.engine, o.apiToken));
  return app;
}
