import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.ts';
import { silentLogger } from '../../engine/log.ts';
import { buildService, type Service } from '../../engine/service.ts';
import { hmacHex } from '../../engine/secrets.ts';
import { TICKET_RE, TUESDAY_10AM } from '../helpers/harness.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function service(env: Record<string, string> = {}): Service {
  const dir = mkdtempSync(join(tmpdir(), 'intake-http-'));
  dirs.push(dir);
  return buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory', ...env }), silentLogger(), { now: () => new Date(TUESDAY_10AM) });
}

const post = (s: Service, path: string, body: unknown, headers: Record<string, string> = {}) =>
  s.app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function json(res: Response) {
  return (await res.json()) as Record<string, any>;
}

describe('web chat API', () => {
  const s = service();

  it('answers a message with replies and the conversation state', async () => {
    const res = await post(s, '/api/web/messages', { userId: 'alice', text: 'Hello', locale: 'en' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.replies[0].text).toMatch(/assistant/);
    expect(body.replies[0].quickReplies).toEqual(['File a complaint', 'Check my complaint', 'Talk to a person']);
    expect(body.conversation).toMatchObject({ status: 'bot' });
    expect(body.conversation.id).toMatch(/^cv_/);
  });

  it('runs a whole intake over HTTP and returns the ticket number', async () => {
    const steps = [
      'The meter reading on my bill is much higher than my meter shows',
      'yesterday',
      'Correct the bill',
      'account number 3301234567',
      "I don't have it",
      '13912345678',
      'Here in this chat',
      "Yes, that's right",
    ];
    let body: Record<string, any> = {};
    for (const text of steps) body = await json(await post(s, '/api/web/messages', { userId: 'bob', text }));
    expect(body.conversation.ticketId).toMatch(TICKET_RE);
    expect(body.replies[0].text).toContain(body.conversation.ticketId);
  });

  it('rejects malformed bodies with 400 and a code, storing nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /not valid JSON/],
      [{ text: 'hi' }, /userId/],
      [{ userId: 'carol' }, /text/],
      [{ userId: 'carol', text: '   ' }, /text must not be empty/],
      [{ userId: 'carol', text: 'hi', locale: 'fr' }, /locale/],
      [{ userId: '../etc/passwd', text: 'hi' }, /userId/],
      [{ userId: 'carol', text: 'x'.repeat(4001) }, /longer than 4000/],
      [{ userId: 'carol', text: 'hi', extra: 1 }, /extra|Unrecognized/i],
      [[1, 2], /body|expected object/i],
    ];
    for (const [body, message] of cases) {
      const res = await post(s, '/api/web/messages', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = await json(res);
      expect(err.error.code).toBe('BAD_REQUEST');
      expect(err.error.message).toMatch(message);
    }
    expect(await s.store.findConversation('web', 'carol')).toBeNull();
  });

  it('rejects an oversized body with 413', async () => {
    const res = await post(s, '/api/web/messages', { userId: 'dave', text: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await s.store.findConversation('web', 'dave')).toBeNull();
  });

  it('answers a retried message id once', async () => {
    const first = await json(await post(s, '/api/web/messages', { userId: 'erin', text: '转人工', messageId: 'retry-1' }));
    const second = await json(await post(s, '/api/web/messages', { userId: 'erin', text: '转人工', messageId: 'retry-1' }));
    expect(second.duplicate).toBe(true);
    expect(second.replies.map((r: { text: string }) => r.text)).toEqual(first.replies.map((r: { text: string }) => r.text));
    expect(await s.store.listMessages(first.conversation.id)).toHaveLength(1 + first.replies.length);
  });

  it('serves the chat page, health and readiness', async () => {
    const page = await s.app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await s.app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await s.app.request('/readyz')).json()).toEqual({ status: 'ready', store: 'memory' });
    expect((await s.app.request('/nope')).status).toBe(404);
  });
});

describe('web identity', () => {
  const secret = 'a-very-long-identity-secret';
  const s = service({ WEB_IDENTITY_SECRET: secret });

  it('with WEB_IDENTITY_SECRET, requires the host site\'s userHash and refuses a wrong or missing one', async () => {
    expect((await post(s, '/api/web/messages', { userId: 'u1', text: 'hi' })).status).toBe(401);
    expect((await post(s, '/api/web/messages', { userId: 'u1', text: 'hi', userHash: hmacHex(secret, 'u2') })).status).toBe(401);
    const ok = await post(s, '/api/web/messages', { userId: 'u1', text: 'hi', userHash: hmacHex(secret, 'u1') });
    expect(ok.status).toBe(200);
    const stream = await s.app.request('/api/web/stream?userId=u1');
    expect(stream.status).toBe(401);
    expect(await s.store.findConversation('web', 'u2')).toBeNull();
  });

  it('gives the built-in page a signed cookie identity that only works for its own userId', async () => {
    const session = await s.app.request('/api/web/session', { method: 'POST' });
    const { userId } = await json(session);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect(session.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect((await post(s, '/api/web/messages', { userId, text: 'hello' }, { Cookie: cookie })).status).toBe(200);
    expect((await post(s, '/api/web/messages', { userId: 'someone-else', text: 'hello' }, { Cookie: cookie })).status).toBe(401);
    const forged = cookie.replace(/\.[0-9a-f]+$/, '.deadbeef');
    expect((await post(s, '/api/web/messages', { userId, text: 'hello' }, { Cookie: forged })).status).toBe(401);
    const again = await s.app.request('/api/web/session', { method: 'POST', headers: { Cookie: cookie } });
    expect((await json(again)).userId).toBe(userId);
  });
});

describe('agent API', () => {
  const s = service({ API_TOKEN: 'test-token-0123456789' });
  const auth = { Authorization: 'Bearer test-token-0123456789' };
  const get = (path: string, headers: Record<string, string> = auth) => s.app.request(path, { headers });

  it('requires the bearer token', async () => {
    expect((await get('/api/tickets', {})).status).toBe(401);
    expect((await get('/api/tickets', { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post(s, '/api/conversations/x/release', {})).status).toBe(401);
    expect((await get('/api/tickets')).status).toBe(200);
  });

  it('lists the human queue, lets an agent reply and release, and records ticket events', async () => {
    const filed = await json(await post(s, '/api/web/messages', { userId: 'frank', text: '电线杆倒了，电线掉在路上冒火花，太危险了' }));
    expect(filed.conversation.status).toBe('waiting_for_agent');
    const ticketId = filed.conversation.ticketId;
    expect(ticketId).toMatch(TICKET_RE);

    const queue = await json(await get('/api/conversations?status=waiting_for_agent'));
    expect(queue.conversations).toEqual([expect.objectContaining({ id: filed.conversation.id, handoffReason: 'major', ticketId })]);
    const pushed: string[] = [];
    const stop = s.hub.subscribe('frank', (e) => pushed.push(e.text));

    const reply = await post(s, `/api/conversations/${filed.conversation.id}/agent-messages`, { text: '您好，抢修人员已出发，请远离电线' }, auth);
    expect(reply.status).toBe(201);
    expect(pushed).toEqual(['您好，抢修人员已出发，请远离电线']);
    expect((await json(await get(`/api/tickets/${ticketId}`))).ticket.status).toBe('acknowledged');

    const progress = await post(s, `/api/tickets/${ticketId}/events`, { type: 'progress', message: '抢修人员已到达现场' }, auth);
    expect(progress.status).toBe(201);
    expect(pushed[1]).toMatch(new RegExp(`${ticketId}.*抢修人员已到达现场`));
    const resolved = await json(await post(s, `/api/tickets/${ticketId}/events`, { type: 'resolved', message: '线路已修复' }, auth));
    expect(resolved.ticket.status).toBe('resolved');
    expect(pushed[2]).toMatch(/已处理完毕：线路已修复/);
    const note = await post(s, `/api/tickets/${ticketId}/events`, { type: 'note', message: 'internal' }, auth);
    expect(note.status).toBe(201);
    expect(pushed).toHaveLength(3);
    const bad = await post(s, `/api/tickets/${ticketId}/events`, { type: 'acknowledged' }, auth);
    expect(bad.status).toBe(409);
    expect((await json(bad)).error.code).toBe('INVALID_TRANSITION');

    const detail = await json(await get(`/api/tickets/${ticketId}`));
    expect(detail.ticket.timeline.map((e: { type: string }) => e.type)).toEqual(['created', 'handoff', 'acknowledged', 'progress', 'resolved', 'note']);
    expect((await json(await get(`/api/tickets?status=resolved`))).tickets.map((t: { id: string }) => t.id)).toEqual([ticketId]);
    expect((await json(await get(`/api/tickets?customer=${detail.ticket.customerId}`))).tickets).toHaveLength(1);

    expect((await post(s, `/api/conversations/${filed.conversation.id}/release`, {}, auth)).status).toBe(200);
    expect(pushed[3]).toMatch(/随时找我/);
    const back = await json(await post(s, '/api/web/messages', { userId: 'frank', text: '谢谢' }));
    expect(back.conversation.status).toBe('bot');
    expect(back.replies.length).toBeGreaterThan(0);
    stop();
  });

  it('lets the operator tag a customer VIP, which the pack turns into a handoff and a higher grade', async () => {
    const first = await json(await post(s, '/api/web/messages', { userId: 'gina', text: 'hello' }));
    const conv = await json(await get(`/api/conversations/${first.conversation.id}`));
    const customerId = conv.conversation.customerId;
    const tagged = await s.app.request(`/api/customers/${customerId}/tags`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tags: ['vip'] }),
    });
    expect(tagged.status).toBe(200);
    expect((await json(await get(`/api/customers/${customerId}`))).customer.tags).toEqual(['vip']);
    const steps = ['The staff at the service hall were rude to me', 'today', 'An apology', '13912345678', 'Here in this chat', 'yes'];
    let last: Record<string, any> = {};
    for (const text of steps) last = await json(await post(s, '/api/web/messages', { userId: 'gina', text }));
    expect(last.conversation.status).toBe('waiting_for_agent');
    const ticket = (await json(await get(`/api/tickets/${last.conversation.ticketId}`))).ticket;
    expect(ticket).toMatchObject({ grade: 'urgent', handoffReason: 'vip' });
    const bad = await s.app.request(`/api/customers/${customerId}/tags`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"tags":["Not OK!"]}' });
    expect(bad.status).toBe(400);
  });

  it('returns 400 for bad input and 404 for unknown ids', async () => {
    expect((await get('/api/tickets?status=lost')).status).toBe(400);
    expect((await get('/api/tickets/PU-20260101-AAAAAA')).status).toBe(404);
    expect((await post(s, '/api/tickets/PU-20260101-AAAAAA/events', { type: 'progress' }, auth)).status).toBe(404);
    expect((await post(s, '/api/tickets/PU-20260101-AAAAAA/events', { type: 'escalate' }, auth)).status).toBe(400);
    expect((await post(s, '/api/conversations/cv_nope/agent-messages', { text: 'hi' }, auth)).status).toBe(404);
    expect((await post(s, '/api/conversations/cv_nope/agent-messages', { text: '' }, auth)).status).toBe(400);
  });
});

describe('API token', () => {
  it('is generated on first start when unset, stored in DATA_DIR with owner-only access, and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'intake-token-'));
    dirs.push(dir);
    const first = buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory' }), silentLogger());
    const file = join(dir, 'api-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.apiToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory' }), silentLogger()).apiToken).toBe(first.apiToken);
  });
});
