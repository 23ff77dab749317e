import type { Commit, Conversation, Customer, OfferedChoice, OutboxEntry, Ticket, TranscriptEntry, TurnRecord, Versioned } from '../domain.ts';
import type { InboundMessage } from '../channels.ts';
import type { Pack } from '../packs/schema.ts';
import type { Store } from '../store.ts';
import type { Understand } from '../understand/index.ts';
import type { Renderer } from '../i18n.ts';
import { isAppError } from '../errors.ts';
import { newId, newTicketId, orderedId } from '../ids.ts';
import { normalize } from '../understand/text.ts';
import { deadlinesFor } from '../tickets/deadlines.ts';
import { deadlineJobs } from '../tickets/escalation.ts';
import { joinRecords, linkTurn, offerLink, samePhone } from './customer-link.ts';
import { localDate } from '../local-time.ts';
import { initialDialog, step } from '../../flows/dialog.ts';
import type { Effect, FlowInput, TicketSummary } from '../../flows/types.ts';

export interface TurnDeps {
  pack: Pack;
  store: Store;
  understand: Understand;
  render: Renderer;
  now: () => Date;
  /** The SMS channel that can carry a link code to a typed number; no link codes without one. */
  smsChannel?: string;
}

export interface TurnOutcome {
  record: TurnRecord;
  /** Effects committed by this turn, to run now; empty for a duplicate. */
  effects: OutboxEntry[];
  duplicate: boolean;
}

/** A typed label or its number ("2") picks the matching button the bot offered last. */
export function matchChoice(offered: OfferedChoice[], text: string): string | undefined {
  const said = normalize(text).replace(/[。.!！\s]+$/u, '');
  if (!said) return undefined;
  const byLabel = offered.find((o) => normalize(o.label) === said || o.payload === said);
  if (byLabel) return byLabel.payload;
  const n = /^(\d{1,2})$/.exec(said);
  if (n) return offered[Number(n[1]) - 1]?.payload;
  return undefined;
}

function summarize(t: Ticket): TicketSummary {
  const summary: TicketSummary = {
    id: t.id,
    status: t.status,
    category: t.category,
    grade: t.grade,
    respondBy: t.respondBy,
    resolveBy: t.resolveBy,
    createdAt: t.createdAt,
  };
  const last = [...t.timeline].reverse().find((e) => e.type !== 'note');
  if (last) summary.lastEvent = last;
  return summary;
}

function newCustomer(msg: InboundMessage, now: string): Customer {
  return {
    id: newId('cu'),
    version: 0,
    identities: [{ channel: msg.channel, channelUserId: msg.channelUserId }],
    tags: [],
    complaintTimes: [],
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Loads, understands and steps one message, and assembles everything it changes into one commit.
 * Pure apart from reads: nothing is written here, so a conflict can simply run it again.
 */
export async function prepareTurn(deps: TurnDeps, msg: InboundMessage): Promise<{ commit: Commit; record: TurnRecord }> {
  const { pack, store } = deps;
  const now = deps.now().toISOString();
  const stored = await store.findConversation(msg.channel, msg.channelUserId);
  const storedCustomer = stored ? await store.getCustomer(stored.customerId) : null;
  let customer = storedCustomer ?? newCustomer(msg, now);
  const hint = msg.localeHint && pack.locales.includes(msg.localeHint) ? msg.localeHint : pack.defaultLocale;
  const chosen = msg.localeChosen && msg.localeHint === hint ? hint : undefined;
  const conversation: Conversation = stored ?? {
    id: newId('cv'),
    channel: msg.channel,
    channelUserId: msg.channelUserId,
    customerId: customer.id,
    version: 0,
    dialog: initialDialog(hint),
    offered: [],
    messageCount: 0,
    createdAt: now,
    updatedAt: now,
  };
  if (conversation.link && /^\s*\d{6}\s*$/.test(msg.text)) return linkTurn(deps, msg, conversation, customer, now);
  const openTickets = await store.listTickets({ customerId: customer.id, open: true, limit: 20 });
  const today = localDate(now, pack.timeZone);
  const understanding = deps.understand(msg.text, { locale: chosen ?? conversation.dialog.locale, today });
  const choice = matchChoice(conversation.offered, msg.text);
  let ticketId: string | undefined;
  const input: FlowInput = {
    text: msg.text,
    understanding,
    ...(choice ? { choice } : {}),
    ...(chosen ? { chosenLocale: chosen } : {}),
    now,
    pack,
    customer,
    openTickets: openTickets.map(summarize),
    // Drawn only if this turn files a ticket.
    get newTicketId() {
      return (ticketId ??= newTicketId(pack.ticketPrefix, now, pack.timeZone));
    },
    deadlines: (grade) => deadlinesFor(pack, grade, now),
  };
  const result = step(conversation.dialog, input);
  const locale = result.state.locale;

  // Tickets touched by this turn: the one it files, and any existing one a handoff is recorded on.
  const tickets = new Map<string, Versioned<Ticket>>();
  const outbox: OutboxEntry[] = [];
  const event = (name: 'handoff' | 'ticket_created', data: Record<string, unknown>) =>
    outbox.push({ id: orderedId('ob'), kind: 'event', conversationId: conversation.id, name, data, createdAt: now, notBefore: now, attempts: 0 });
  const replies = result.effects.filter((e): e is Extract<Effect, { type: 'reply' }> => e.type === 'reply').map((e) => deps.render(e.reply, locale));
  let customerChanged = !storedCustomer;
  let customerVersion = storedCustomer ? storedCustomer.version : null;

  // Records join only on a phone proven on both sides: typing someone else's number must never open
  // their history ("any update on my complaint?"). A message that came by SMS from the number proves it;
  // a number typed in a chat is kept on this customer's own record, and when that number already has
  // complaints, a code goes to it by SMS: typing the code back proves it and joins the records.
  let link: Conversation['link'];
  for (const effect of result.effects) {
    if (effect.type !== 'set_phone') continue;
    const proven = msg.channel.startsWith('sms') && samePhone(msg.channelUserId, effect.phone);
    const owner = await store.findCustomerByPhone(effect.phone);
    if (proven && owner && owner.id !== customer.id && owner.phoneVerified) {
      customer = joinRecords(owner, customer, now);
      customerVersion = owner.version;
    } else {
      customer = { ...customer, phone: effect.phone, ...(proven ? { phoneVerified: true } : {}), updatedAt: now };
      if (!proven && owner && owner.id !== customer.id && deps.smsChannel) {
        const offer = offerLink({ render: deps.render, smsChannel: deps.smsChannel }, conversation.id, owner.id, effect.phone, locale, now);
        link = offer.link;
        replies.push(offer.reply);
        outbox.push(offer.effect);
      }
    }
    customerChanged = true;
  }

  for (const effect of result.effects) {
    if (effect.type === 'create_ticket') {
      const ticket: Ticket = {
        ...effect.ticket,
        version: 0,
        customerId: customer.id,
        conversationId: conversation.id,
        channel: msg.channel,
        updatedAt: now,
        timeline: [{ at: now, type: 'created', by: 'bot' }],
      };
      tickets.set(ticket.id, { value: ticket, expectedVersion: null });
      customer = { ...customer, complaintTimes: [...customer.complaintTimes, now].slice(-50), updatedAt: now };
      customerChanged = true;
      event('ticket_created', { ticketId: ticket.id, grade: ticket.grade, category: ticket.category });
      // The deadline alarms are committed with the ticket, so a crash cannot leave a ticket without them.
      outbox.push({ id: orderedId('ob'), kind: 'schedule', conversationId: conversation.id, jobs: deadlineJobs(ticket), createdAt: now, notBefore: now, attempts: 0 });
    } else if (effect.type === 'handoff') {
      if (effect.ticketId) {
        let entry = tickets.get(effect.ticketId);
        if (!entry) {
          const existing = await store.getTicket(effect.ticketId);
          if (existing) entry = { value: existing, expectedVersion: existing.version };
        }
        if (entry) {
          entry.value = {
            ...entry.value,
            handoffReason: effect.reason,
            updatedAt: now,
            timeline: [...entry.value.timeline, { at: now, type: 'handoff', by: 'bot', data: { reason: effect.reason } }],
          };
          tickets.set(effect.ticketId, entry);
        }
      }
      event('handoff', { conversationId: conversation.id, reason: effect.reason, ticketId: effect.ticketId ?? null });
    } else if (effect.type === 'ticket_event') {
      const entry = tickets.get(effect.ticketId);
      if (entry) entry.value = { ...entry.value, timeline: [...entry.value.timeline, effect.event] };
    }
  }

  let n = conversation.messageCount;
  const messages: TranscriptEntry[] = [{ conversationId: conversation.id, n: n++, author: 'customer', text: msg.text, at: now }];
  for (const reply of replies) {
    const entry: TranscriptEntry = { conversationId: conversation.id, n: n++, author: 'bot', text: reply.text, at: now };
    if (reply.quickReplies) entry.quickReplies = reply.quickReplies;
    messages.push(entry);
    outbox.push({
      id: orderedId('ob'),
      kind: 'send',
      conversationId: conversation.id,
      channel: msg.channel,
      channelUserId: msg.channelUserId,
      mode: 'reply',
      n: entry.n,
      message: reply,
      createdAt: now,
      notBefore: now,
      attempts: 0,
    });
  }
  const lastButtons = [...replies].reverse().find((r) => r.quickReplies?.length)?.quickReplies ?? [];
  // The customer just wrote: windowed channels (WeChat 48 h / 5 messages) count afresh, and a customer who
  // writes again is reachable again (they unblocked the bot, or texted START).
  const contact = { lastInboundAt: now, sentSinceInbound: replies.length, ...((msg.contact ?? conversation.contact?.data) ? { data: msg.contact ?? conversation.contact!.data! } : {}) };
  for (const entry of outbox) {
    if (entry.kind !== 'send') continue;
    entry.locale = locale;
    if (contact.data && entry.channel === msg.channel) entry.contact = contact.data;
  }
  if (result.effects.some((e) => e.type === 'handoff')) {
    // After the replies: once a platform's own agents hold the chat (WeCom 微信客服), it refuses the bot's messages.
    outbox.push({ id: orderedId('ob'), kind: 'handoff', conversationId: conversation.id, channel: msg.channel, channelUserId: msg.channelUserId, ...(contact.data ? { contact: contact.data } : {}), createdAt: now, notBefore: now, attempts: 0 });
  }
  const next: Conversation = {
    ...conversation,
    customerId: customer.id,
    dialog: result.state,
    offered: replies.length ? lastButtons : conversation.offered,
    messageCount: n,
    contact,
    updatedAt: now,
  };
  if (link) next.link = link;
  if (customer.locale !== locale) {
    customer = { ...customer, locale, updatedAt: now };
    customerChanged = true;
  }
  const record: TurnRecord = { conversationId: conversation.id, n: conversation.messageCount, replies, status: next.dialog.status };
  if (next.dialog.ticketId) record.ticketId = next.dialog.ticketId;
  const commit: Commit = {
    dedupe: { key: `${msg.channel}:${msg.messageId}`, record },
    conversation: { value: next, expectedVersion: stored ? stored.version : null },
    tickets: [...tickets.values()],
    messages,
    effects: outbox,
  };
  if (customerChanged) commit.customers = [{ value: customer, expectedVersion: customerVersion }];
  return { commit, record };
}

/** Runs a turn to a committed state; retries when another writer got there first (a CONFLICT). */
export async function commitTurn(deps: TurnDeps, msg: InboundMessage): Promise<TurnOutcome> {
  const key = `${msg.channel}:${msg.messageId}`;
  for (let attempt = 0; ; attempt++) {
    const prior = await deps.store.getTurnRecord(key);
    if (prior) return { record: prior, effects: [], duplicate: true };
    const { commit, record } = await prepareTurn(deps, msg);
    try {
      await deps.store.commit(commit);
      return { record, effects: commit.effects ?? [], duplicate: false };
    } catch (err) {
      if (isAppError(err, 'DUPLICATE')) continue;
      if (isAppError(err, 'CONFLICT') && attempt < 4) continue;
      throw err;
    }
  }
}
