import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation, Customer, OutboxEntry, Ticket, TranscriptEntry } from '../../engine/domain.ts';
import type { Store } from '../../engine/store.ts';
import { isAppError } from '../../engine/errors.ts';
import { initialDialog } from '../../flows/dialog.ts';
import { orderedId } from '../../engine/ids.ts';

const T0 = '2026-11-24T08:00:00.000Z';

export function conversation(id: string, user = `u-${id}`, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    channel: 'web',
    channelUserId: user,
    customerId: `cu-${id}`,
    version: 0,
    dialog: initialDialog('zh-CN'),
    offered: [],
    messageCount: 0,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function customer(id: string, over: Partial<Customer> = {}): Customer {
  return { id, version: 0, identities: [{ channel: 'web', channelUserId: `u-${id}` }], tags: [], complaintTimes: [], createdAt: T0, updatedAt: T0, ...over };
}

export function ticket(id: string, over: Partial<Ticket> = {}): Ticket {
  return {
    id,
    version: 0,
    customerId: 'cu-1',
    conversationId: 'cv-1',
    channel: 'web',
    status: 'new',
    grade: 'ordinary',
    category: 'billing_error',
    description: 'bill doubled',
    details: {},
    contact: { channel: 'chat' },
    locale: 'zh-CN',
    signals: [],
    escalationLevel: 1,
    respondBy: '2026-11-25T08:00:00.000Z',
    resolveBy: '2026-11-27T08:00:00.000Z',
    createdAt: T0,
    updatedAt: T0,
    timeline: [{ at: T0, type: 'created', by: 'bot' }],
    ...over,
  };
}

function send(conversationId: string, n: number, notBefore = T0): OutboxEntry {
  return {
    id: orderedId('ob'),
    kind: 'send',
    conversationId,
    channel: 'web',
    channelUserId: 'u',
    mode: 'reply',
    n,
    message: { text: `reply ${n}` },
    createdAt: T0,
    notBefore,
    attempts: 0,
  };
}

function message(conversationId: string, n: number): TranscriptEntry {
  return { conversationId, n, author: n % 2 ? 'bot' : 'customer', text: `m${n}`, at: T0 };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(isAppError(err) ? err.code : err).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/**
 * The contract every Store implementation keeps. Each backend's test file calls this with a factory
 * that returns a fresh, empty store (and optionally reopens the same data, for durable ones).
 */
export function storeConformance(name: string, factory: { open(): Promise<Store>; reopen?(): Promise<Store> }): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates a conversation and finds it by id and by channel user', async () => {
      await store.commit({ conversation: { value: conversation('c1'), expectedVersion: null } });
      const byId = await store.getConversation('c1');
      expect(byId?.version).toBe(1);
      expect(byId?.dialog.locale).toBe('zh-CN');
      expect((await store.findConversation('web', 'u-c1'))?.id).toBe('c1');
      expect(await store.findConversation('web', 'nobody')).toBeNull();
      expect(await store.findConversation('sms', 'u-c1')).toBeNull();
    });

    it('rejects a stale write with CONFLICT and keeps the newer value', async () => {
      await store.commit({ conversation: { value: conversation('c1'), expectedVersion: null } });
      const read = (await store.getConversation('c1'))!;
      await store.commit({ conversation: { value: { ...read, messageCount: 5 }, expectedVersion: read.version } });
      await rejectsWith(store.commit({ conversation: { value: { ...read, messageCount: 9 }, expectedVersion: read.version } }), 'CONFLICT');
      const now = (await store.getConversation('c1'))!;
      expect(now.messageCount).toBe(5);
      expect(now.version).toBe(2);
    });

    it('rejects creating a record that exists, and a second conversation for the same channel user', async () => {
      await store.commit({ conversation: { value: conversation('c1'), expectedVersion: null } });
      await rejectsWith(store.commit({ conversation: { value: conversation('c1'), expectedVersion: null } }), 'CONFLICT');
      await rejectsWith(store.commit({ conversation: { value: conversation('c2', 'u-c1'), expectedVersion: null } }), 'CONFLICT');
      expect(await store.getConversation('c2')).toBeNull();
    });

    it('writes a commit atomically: a conflict anywhere leaves nothing behind', async () => {
      await store.commit({ tickets: [{ value: ticket('T1'), expectedVersion: null }] });
      await rejectsWith(
        store.commit({
          dedupe: { key: 'web:m1', record: { conversationId: 'c1', n: 0, replies: [], status: 'bot' } },
          conversation: { value: conversation('c1'), expectedVersion: null },
          customers: [{ value: customer('cu-c1'), expectedVersion: null }],
          tickets: [{ value: ticket('T1'), expectedVersion: null }],
          messages: [message('c1', 0)],
          effects: [send('c1', 1)],
        }),
        'CONFLICT',
      );
      expect(await store.getConversation('c1')).toBeNull();
      expect(await store.getCustomer('cu-c1')).toBeNull();
      expect(await store.getTurnRecord('web:m1')).toBeNull();
      expect(await store.listMessages('c1')).toEqual([]);
      expect(await store.pendingEffects('2100-01-01T00:00:00.000Z')).toEqual([]);
    });

    it('records a dedupe key once and returns its turn record', async () => {
      const record = { conversationId: 'c1', n: 0, replies: [{ text: 'hello', quickReplies: [{ label: 'Yes', payload: 'confirm' }] }], status: 'bot' as const, ticketId: 'T1' };
      await store.commit({ dedupe: { key: 'web:m1', record }, conversation: { value: conversation('c1'), expectedVersion: null } });
      expect(await store.getTurnRecord('web:m1')).toEqual(record);
      await rejectsWith(store.commit({ dedupe: { key: 'web:m1', record } }), 'DUPLICATE');
      expect(await store.getTurnRecord('web:m2')).toBeNull();
    });

    it('keeps the transcript in order and lists what comes after a number', async () => {
      await store.commit({ messages: [message('c1', 0), message('c1', 1)] });
      await store.commit({ messages: [message('c1', 2)] });
      await store.commit({ messages: [message('other', 0)] });
      expect((await store.listMessages('c1')).map((m) => m.n)).toEqual([0, 1, 2]);
      expect((await store.listMessages('c1', 0)).map((m) => m.text)).toEqual(['m1', 'm2']);
      expect(await store.listMessages('c1', 2)).toEqual([]);
    });

    it('stores customers and finds them by phone, following a phone change', async () => {
      await store.commit({ customers: [{ value: customer('cu1', { phone: '13912345678' }), expectedVersion: null }] });
      expect((await store.findCustomerByPhone('13912345678'))?.id).toBe('cu1');
      const read = (await store.getCustomer('cu1'))!;
      await store.commit({ customers: [{ value: { ...read, phone: '+447700900123' }, expectedVersion: read.version }] });
      expect(await store.findCustomerByPhone('13912345678')).toBeNull();
      expect((await store.findCustomerByPhone('+447700900123'))?.version).toBe(2);
    });

    it('finds the record that proved a phone before newer ones where it was only typed', async () => {
      const at = (i: number) => `2026-11-2${i}T00:00:00.000Z`;
      await store.commit({ customers: [{ value: customer('typed1', { phone: '13911112222', updatedAt: at(1) }), expectedVersion: null }] });
      await store.commit({ customers: [{ value: customer('proved', { phone: '13911112222', phoneVerified: true, updatedAt: at(2) }), expectedVersion: null }] });
      await store.commit({ customers: [{ value: customer('typed2', { phone: '13911112222', updatedAt: at(3) }), expectedVersion: null }] });
      expect((await store.findCustomerByPhone('13911112222'))?.id).toBe('proved');
      // Without a proven record, the newest one carrying the number.
      const proved = (await store.getCustomer('proved'))!;
      await store.commit({ customers: [{ value: { ...proved, phone: '13900000000', updatedAt: at(4) }, expectedVersion: proved.version }] });
      expect((await store.findCustomerByPhone('13911112222'))?.id).toBe('typed2');
      const typed2 = (await store.getCustomer('typed2'))!;
      await store.commit({ customers: [{ value: { ...typed2, phone: '13900000001', updatedAt: at(5) }, expectedVersion: typed2.version }] });
      expect((await store.findCustomerByPhone('13911112222'))?.id).toBe('typed1');
    });

    it('lists tickets newest first, by status, customer and openness', async () => {
      await store.commit({
        tickets: [
          { value: ticket('T1', { createdAt: '2026-11-20T00:00:00.000Z', customerId: 'a' }), expectedVersion: null },
          { value: ticket('T2', { createdAt: '2026-11-21T00:00:00.000Z', customerId: 'b', status: 'resolved' }), expectedVersion: null },
          { value: ticket('T3', { createdAt: '2026-11-22T00:00:00.000Z', customerId: 'a', status: 'in_progress' }), expectedVersion: null },
        ],
      });
      expect((await store.listTickets({})).map((t) => t.id)).toEqual(['T3', 'T2', 'T1']);
      expect((await store.listTickets({ customerId: 'a' })).map((t) => t.id)).toEqual(['T3', 'T1']);
      expect((await store.listTickets({ status: 'resolved' })).map((t) => t.id)).toEqual(['T2']);
      expect((await store.listTickets({ open: true })).map((t) => t.id)).toEqual(['T3', 'T1']);
      expect((await store.listTickets({ limit: 1 })).map((t) => t.id)).toEqual(['T3']);
      const t1 = (await store.getTicket('T1'))!;
      expect(t1.timeline).toHaveLength(1);
      expect(t1.version).toBe(1);
    });

    it('lists conversations by status', async () => {
      await store.commit({ conversation: { value: conversation('c1'), expectedVersion: null } });
      await store.commit({
        conversation: { value: conversation('c2', 'u2', { dialog: { ...initialDialog('en'), status: 'waiting_for_agent' } }), expectedVersion: null },
      });
      expect((await store.listConversations({ status: 'waiting_for_agent' })).map((c) => c.id)).toEqual(['c2']);
      expect((await store.listConversations({})).length).toBe(2);
    });

    it('hands out due effects in order, retries later, and forgets finished ones', async () => {
      const a = send('c1', 1);
      const b = send('c1', 2);
      const later = send('c1', 3, '2026-11-24T09:00:00.000Z');
      await store.commit({ effects: [a, b, later] });
      expect((await store.pendingEffects(T0)).map((e) => e.id)).toEqual([a.id, b.id]);
      await store.settleEffect(a.id, { done: true });
      await store.settleEffect(b.id, { done: false, retryAt: '2026-11-24T08:30:00.000Z' });
      expect(await store.pendingEffects(T0)).toEqual([]);
      const due = await store.pendingEffects('2026-11-24T10:00:00.000Z');
      expect(due.map((e) => e.id)).toEqual([b.id, later.id]);
      expect(due[0]!.attempts).toBe(1);
      await store.settleEffect('no-such-effect', { done: true });
    });

    it('keeps small channel values: last write wins, a value with a time to live lapses', async () => {
      expect(await store.getValue('wechat:token')).toBeNull();
      await store.setValue('wechat:token', 'a');
      await store.setValue('wechat:token', 'b');
      expect(await store.getValue('wechat:token')).toBe('b');
      await store.setValue('wecom:cursor', 'c1', 30);
      expect(await store.getValue('wecom:cursor')).toBe('c1');
      await new Promise((r) => setTimeout(r, 80));
      expect(await store.getValue('wecom:cursor')).toBeNull();
      expect(await store.getValue('wechat:token')).toBe('b');
    });

    it('returns copies: changing a result does not change the store', async () => {
      await store.commit({ conversation: { value: conversation('c1'), expectedVersion: null } });
      const read = (await store.getConversation('c1'))!;
      read.messageCount = 99;
      read.dialog.misunderstood = 7;
      expect((await store.getConversation('c1'))!.messageCount).toBe(0);
      expect((await store.getConversation('c1'))!.dialog.misunderstood).toBe(0);
    });

    if (factory.reopen) {
      it('keeps everything across a close and reopen', async () => {
        await store.commit({
          dedupe: { key: 'web:m1', record: { conversationId: 'c1', n: 0, replies: [], status: 'bot' } },
          conversation: { value: conversation('c1'), expectedVersion: null },
          tickets: [{ value: ticket('T1'), expectedVersion: null }],
          messages: [message('c1', 0)],
          effects: [send('c1', 1)],
        });
        await store.close();
        store = await factory.reopen!();
        expect((await store.getConversation('c1'))?.version).toBe(1);
        expect((await store.getTicket('T1'))?.description).toBe('bill doubled');
        expect(await store.getTurnRecord('web:m1')).not.toBeNull();
        expect(await store.listMessages('c1')).toHaveLength(1);
        expect(await store.pendingEffects(T0)).toHaveLength(1);
      });
    }
  });
}
