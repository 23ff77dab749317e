import type { Commit, Conversation, Customer, OutboxEntry, Ticket, TranscriptEntry, TurnRecord } from '../../../engine/domain.ts';
import type { Store, TicketFilter } from '../../../engine/store.ts';
import { isOpen } from '../../../engine/tickets/lifecycle.ts';
import { conflict, duplicate, nextVersion, provedThenNewest } from '../commit-checks.ts';

const copy = <T>(v: T): T => structuredClone(v);

/** Keeps everything in process memory: for unit tests and throwaway demos, never for customers. */
export function createMemoryStore(): Store {
  const conversations = new Map<string, Conversation>();
  const conversationByUser = new Map<string, string>();
  const customers = new Map<string, Customer>();
  const customersByPhone = new Map<string, Set<string>>();
  const tickets = new Map<string, Ticket>();
  const ticketsByCustomer = new Map<string, Set<string>>();
  const messages = new Map<string, TranscriptEntry[]>();
  const turns = new Map<string, TurnRecord>();
  const outbox = new Map<string, OutboxEntry>();
  const values = new Map<string, { value: string; expires?: number }>();
  const userKey = (channel: string, id: string) => `${channel}\u0000${id}`;

  return {
    kind: 'memory',
    async findConversation(channel, channelUserId) {
      const id = conversationByUser.get(userKey(channel, channelUserId));
      return id ? copy(conversations.get(id)!) : null;
    },
    async getConversation(id) {
      const c = conversations.get(id);
      return c ? copy(c) : null;
    },
    async listConversations({ status, limit = 100 }) {
      return [...conversations.values()]
        .filter((c) => !status || c.dialog.status === status)
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
        .slice(0, limit)
        .map(copy);
    },
    async getCustomer(id) {
      const c = customers.get(id);
      return c ? copy(c) : null;
    },
    async findCustomerByPhone(phone) {
      const found = [...(customersByPhone.get(phone) ?? [])].map((id) => customers.get(id)!);
      return found.length ? copy(found.sort(provedThenNewest)[0]!) : null;
    },
    async getTicket(id) {
      const t = tickets.get(id);
      return t ? copy(t) : null;
    },
    async listTickets(filter: TicketFilter & { limit?: number }) {
      const pool = filter.customerId ? [...(ticketsByCustomer.get(filter.customerId) ?? [])].map((id) => tickets.get(id)!) : [...tickets.values()];
      return pool
        .filter((t) => (!filter.status || t.status === filter.status) && (!filter.customerId || t.customerId === filter.customerId))
        .filter((t) => !filter.open || isOpen(t.status))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
        .slice(0, filter.limit ?? 100)
        .map(copy);
    },
    async listMessages(conversationId, afterN = -1) {
      return (messages.get(conversationId) ?? []).filter((m) => m.n > afterN).map(copy);
    },
    async getTurnRecord(key) {
      const r = turns.get(key);
      return r ? copy(r) : null;
    },
    async commit(c: Commit) {
      // Check everything first, then apply: a failed commit leaves no trace.
      if (c.dedupe && turns.has(c.dedupe.key)) throw duplicate(c.dedupe.key);
      const check = <T extends { id: string; version: number }>(what: string, map: Map<string, T>, v: { value: T; expectedVersion: number | null }) => {
        const found = map.get(v.value.id)?.version ?? null;
        if (found !== v.expectedVersion) throw conflict(what, v.value.id, v.expectedVersion, found);
      };
      if (c.conversation) {
        check('conversation', conversations, c.conversation);
        const other = conversationByUser.get(userKey(c.conversation.value.channel, c.conversation.value.channelUserId));
        if (c.conversation.expectedVersion === null && other) throw conflict('conversation', c.conversation.value.id, null, 1);
      }
      for (const v of c.customers ?? []) check('customer', customers, v);
      for (const v of c.tickets ?? []) check('ticket', tickets, v);

      if (c.dedupe) turns.set(c.dedupe.key, copy(c.dedupe.record));
      if (c.conversation) {
        const value = { ...copy(c.conversation.value), version: nextVersion(c.conversation) };
        conversations.set(value.id, value);
        conversationByUser.set(userKey(value.channel, value.channelUserId), value.id);
      }
      for (const v of c.customers ?? []) {
        const previous = customers.get(v.value.id);
        if (previous?.phone && previous.phone !== v.value.phone) customersByPhone.get(previous.phone)?.delete(v.value.id);
        customers.set(v.value.id, { ...copy(v.value), version: nextVersion(v) });
        if (v.value.phone) {
          let ids = customersByPhone.get(v.value.phone);
          if (!ids) customersByPhone.set(v.value.phone, (ids = new Set()));
          ids.add(v.value.id);
        }
      }
      for (const v of c.tickets ?? []) {
        tickets.set(v.value.id, { ...copy(v.value), version: nextVersion(v) });
        let mine = ticketsByCustomer.get(v.value.customerId);
        if (!mine) ticketsByCustomer.set(v.value.customerId, (mine = new Set()));
        mine.add(v.value.id);
      }
      for (const m of c.messages ?? []) {
        const list = messages.get(m.conversationId) ?? [];
        list.push(copy(m));
        messages.set(m.conversationId, list);
      }
      for (const e of c.effects ?? []) outbox.set(e.id, copy(e));
    },
    async pendingEffects(now, limit = 100) {
      return [...outbox.values()]
        .filter((e) => e.notBefore <= now)
        .sort((a, b) => a.id.localeCompare(b.id))
        .slice(0, limit)
        .map(copy);
    },
    async settleEffect(id, outcome) {
      const e = outbox.get(id);
      if (!e) return;
      if (outcome.done) outbox.delete(id);
      else outbox.set(id, { ...e, attempts: e.attempts + 1, notBefore: outcome.retryAt });
    },
    async getValue(key) {
      const v = values.get(key);
      if (!v || (v.expires !== undefined && v.expires <= Date.now())) return null;
      return v.value;
    },
    async setValue(key, value, ttlMs) {
      values.set(key, { value, ...(ttlMs !== undefined ? { expires: Date.now() + ttlMs } : {}) });
    },
    async close() {},
  };
}
