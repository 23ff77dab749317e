import { Hono } from 'hono';
import { z } from 'zod';
import type { Engine } from '../engine.ts';
import { AppError } from '../errors.ts';
import { safeEqual } from '../secrets.ts';
import { TICKET_STATUSES } from '../domain.ts';
import { jsonBody } from './errors.ts';

const TicketQuery = z.object({
  status: z.enum(TICKET_STATUSES).optional(),
  customer: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const EventBody = z
  .object({
    type: z.enum(['acknowledged', 'progress', 'resolved', 'closed', 'reopened', 'note']),
    message: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();
const AgentMessage = z.object({ text: z.string().trim().min(1, 'text must not be empty').max(4000) }).strict();
const TagsBody = z.object({ tags: z.array(z.string().regex(/^[a-z0-9_-]{1,32}$/, 'tags: 1-32 of a-z 0-9 _ -')).max(20) }).strict();
const ConversationQuery = z.object({
  status: z.enum(['bot', 'waiting_for_agent', 'with_agent']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

function query<T extends z.ZodType>(schema: T, raw: Record<string, string>): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_REQUEST', `${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The operator's API for agents and back-office tools, behind a bearer token. */
export function agentApi(engine: Engine, apiToken: string): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const header = c.req.header('Authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token || !safeEqual(token, apiToken)) throw new AppError('UNAUTHORIZED', 'a valid "Authorization: Bearer <API_TOKEN>" header is required');
    await next();
  });

  app.get('/tickets', async (c) => {
    const q = query(TicketQuery, c.req.query());
    const tickets = await engine.store.listTickets({
      ...(q.status ? { status: q.status } : {}),
      ...(q.customer ? { customerId: q.customer } : {}),
      limit: q.limit,
    });
    return c.json({ tickets });
  });

  app.get('/tickets/:id', async (c) => {
    const ticket = await engine.store.getTicket(c.req.param('id'));
    if (!ticket) throw new AppError('NOT_FOUND', `no ticket ${c.req.param('id')}`);
    return c.json({ ticket });
  });

  app.post('/tickets/:id/events', async (c) => {
    const body = await jsonBody(c, EventBody);
    const { ticket } = await engine.ticketEvent(c.req.param('id'), body);
    return c.json({ ticket }, 201);
  });

  app.get('/customers/:id', async (c) => {
    const customer = await engine.store.getCustomer(c.req.param('id'));
    if (!customer) throw new AppError('NOT_FOUND', `no customer ${c.req.param('id')}`);
    return c.json({ customer });
  });

  /** Tags drive the pack's tiers (e.g. `vip`); the operator's CRM sets them. */
  app.put('/customers/:id/tags', async (c) => {
    const body = await jsonBody(c, TagsBody);
    const customer = await engine.store.getCustomer(c.req.param('id'));
    if (!customer) throw new AppError('NOT_FOUND', `no customer ${c.req.param('id')}`);
    const updated = { ...customer, tags: [...new Set(body.tags)], updatedAt: new Date().toISOString() };
    await engine.store.commit({ customers: [{ value: updated, expectedVersion: customer.version }] });
    return c.json({ customer: { ...updated, version: customer.version + 1 } });
  });

  app.get('/conversations', async (c) => {
    const q = query(ConversationQuery, c.req.query());
    const list = await engine.store.listConversations({ ...(q.status ? { status: q.status } : {}), limit: q.limit });
    return c.json({
      conversations: list.map((conv) => ({
        id: conv.id,
        channel: conv.channel,
        customerId: conv.customerId,
        status: conv.dialog.status,
        locale: conv.dialog.locale,
        handoffReason: conv.dialog.handoffReason ?? null,
        ticketId: conv.dialog.ticketId ?? null,
        updatedAt: conv.updatedAt,
      })),
    });
  });

  app.get('/conversations/:id', async (c) => {
    const conv = await engine.store.getConversation(c.req.param('id'));
    if (!conv) throw new AppError('NOT_FOUND', `no conversation ${c.req.param('id')}`);
    const messages = await engine.store.listMessages(conv.id);
    return c.json({ conversation: { id: conv.id, channel: conv.channel, customerId: conv.customerId, status: conv.dialog.status, dialog: conv.dialog }, messages });
  });

  app.post('/conversations/:id/agent-messages', async (c) => {
    const body = await jsonBody(c, AgentMessage);
    await engine.agentMessage(c.req.param('id'), body.text);
    return c.json({ conversation: { id: c.req.param('id'), status: 'with_agent' } }, 201);
  });

  app.post('/conversations/:id/release', async (c) => {
    await engine.release(c.req.param('id'));
    return c.json({ conversation: { id: c.req.param('id'), status: 'bot' } });
  });

  return app;
}
