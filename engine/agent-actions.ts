import type { Commit, Conversation, OutboxEntry, Ticket, TicketEvent, TranscriptEntry } from './domain.ts';
import type { Store } from './store.ts';
import type { Pack } from './packs/schema.ts';
import type { Renderer } from './i18n.ts';
import { AppError } from './errors.ts';
import { orderedId } from './ids.ts';
import { nextStatus, type AgentEventType } from './tickets/lifecycle.ts';
import { jobsToCancel } from './tickets/escalation.ts';
import type { Route } from './turn/delivery.ts';
import type { ChannelEvent } from './channels.ts';

export interface AgentDeps {
  pack: Pack;
  store: Store;
  render: Renderer;
  now: () => Date;
  /** Where a later message to this conversation's customer can go (turn/delivery.ts). */
  route(conv: Conversation, prefer?: 'sms'): Promise<Route>;
}

/** A line on the ticket's timeline when a message could reach the customer by no channel. */
const undeliveredNote = (now: string, reason: string): TicketEvent => ({ at: now, type: 'note', by: 'system', message: 'not delivered', data: { reason } });

/**
 * A message to the customer in their conversation: a transcript entry plus its delivery, committed
 * together. The delivery goes where the channel's proactive rule allows (see turn/delivery.ts); when
 * nothing can carry it, the transcript keeps it (the customer sees it when they come back) and the
 * reason is returned for the ticket's timeline.
 */
async function pushMessage(
  deps: AgentDeps,
  conv: Conversation,
  author: 'agent' | 'bot',
  text: string,
  now: string,
  prefer?: 'sms',
): Promise<{ message: TranscriptEntry; effects: OutboxEntry[]; contact: Conversation['contact']; undelivered?: string }> {
  const n = conv.messageCount;
  const message: TranscriptEntry = { conversationId: conv.id, n, author, text, at: now };
  const route = await deps.route(conv, prefer);
  const contact = conv.contact;
  if ('undelivered' in route) return { message, effects: [], contact, undelivered: route.undelivered };
  const effect: OutboxEntry = {
    id: orderedId('ob'),
    kind: 'send',
    conversationId: conv.id,
    channel: route.channel,
    channelUserId: route.channelUserId,
    mode: 'push',
    n,
    message: { text },
    locale: conv.dialog.locale,
    ...(route.template ? { template: true } : {}),
    ...(!route.fallback && contact?.data ? { contact: contact.data } : {}),
    createdAt: now,
    notBefore: now,
    attempts: 0,
  };
  // Windowed channels count every message sent since the customer last wrote.
  const counted = route.fallback || route.template || !contact ? contact : { ...contact, sentSinceInbound: contact.sentSinceInbound + 1 };
  return { message, effects: [effect], contact: counted };
}

/** Deadline alarms an agent's step has made pointless; they would find nothing to do, but need not wait. */
function cancelAlarms(deps: AgentDeps, ticket: Ticket, now: string): OutboxEntry[] {
  const cancel = jobsToCancel(deps.pack, ticket);
  if (cancel.length === 0) return [];
  return [{ id: orderedId('ob'), kind: 'schedule', conversationId: ticket.conversationId, jobs: [], cancel, createdAt: now, notBefore: now, attempts: 0 }];
}

async function mustConversation(store: Store, id: string): Promise<Conversation> {
  const conv = await store.getConversation(id);
  if (!conv) throw new AppError('NOT_FOUND', `no conversation ${id}`);
  return conv;
}

/** Agent → customer. The chat moves to `with_agent` so the bot stays out of it until released. */
export async function agentMessage(deps: AgentDeps, conversationId: string, text: string): Promise<Commit> {
  const now = deps.now().toISOString();
  const conv = await mustConversation(deps.store, conversationId);
  const { message, effects, contact, undelivered } = await pushMessage(deps, conv, 'agent', text, now);
  const next: Conversation = {
    ...conv,
    dialog: { ...conv.dialog, status: 'with_agent' },
    offered: [],
    messageCount: conv.messageCount + 1,
    ...(contact ? { contact } : {}),
    updatedAt: now,
  };
  const commit: Commit = { conversation: { value: next, expectedVersion: conv.version }, messages: [message], effects };
  if (conv.dialog.ticketId) {
    const ticket = await deps.store.getTicket(conv.dialog.ticketId);
    // The first agent reply to a new ticket is its acknowledgement (the respond-by promise is kept).
    if (ticket) {
      const acknowledged = ticket.status === 'new';
      const updated: Ticket = {
        ...ticket,
        status: acknowledged ? 'acknowledged' : ticket.status,
        updatedAt: now,
        timeline: [
          ...ticket.timeline,
          { at: now, type: acknowledged ? 'acknowledged' : 'agent_message', by: 'agent', message: text },
          ...(undelivered ? [undeliveredNote(now, undelivered)] : []),
        ],
      };
      commit.tickets = [{ value: updated, expectedVersion: ticket.version }];
      commit.effects!.push(...cancelAlarms(deps, updated, now));
    }
  }
  await deps.store.commit(commit);
  return commit;
}

/** Hands the chat back to the bot and tells the customer so. */
export async function release(deps: AgentDeps, conversationId: string): Promise<Commit> {
  const now = deps.now().toISOString();
  const conv = await mustConversation(deps.store, conversationId);
  if (conv.dialog.status === 'bot') throw new AppError('INVALID_TRANSITION', `conversation ${conversationId} is already with the bot`);
  const text = deps.render.text('notify.released', conv.dialog.locale);
  const { message, effects, contact } = await pushMessage(deps, conv, 'bot', text, now);
  const dialog = { ...conv.dialog, status: 'bot' as const, misunderstood: 0 };
  delete dialog.handoffReason;
  const next: Conversation = { ...conv, dialog, offered: [], messageCount: conv.messageCount + 1, ...(contact ? { contact } : {}), updatedAt: now };
  const commit: Commit = { conversation: { value: next, expectedVersion: conv.version }, messages: [message], effects };
  await deps.store.commit(commit);
  return commit;
}

export type PlatformHumanEvent = ChannelEvent & { type: 'human_took_over' | 'human_message' | 'human_ended' };

/**
 * What the platform's own human agents did (WeCom 微信客服 servicers in the WeCom client). While they hold
 * the chat the bot stays quiet; their messages, already delivered by the platform, join the transcript and
 * the ticket's timeline (the first one acknowledges a new ticket); when they end the session the bot
 * answers again. Null when there is nothing to change.
 */
export async function platformHuman(deps: AgentDeps, conv: Conversation, channel: string, event: PlatformHumanEvent): Promise<Commit | null> {
  const now = deps.now().toISOString();
  if (event.type === 'human_ended' && conv.dialog.status === 'bot') return null;
  if (event.type === 'human_message' && (!event.text || !event.messageId)) return null;
  const dialog = { ...conv.dialog, status: event.type === 'human_ended' ? ('bot' as const) : ('with_agent' as const) };
  if (event.type === 'human_ended') {
    dialog.misunderstood = 0;
    delete dialog.handoffReason;
  }
  const next: Conversation = { ...conv, dialog, offered: [], updatedAt: now };
  const commit: Commit = { conversation: { value: next, expectedVersion: conv.version } };
  let line: TicketEvent;
  if (event.type === 'human_message') {
    const n = conv.messageCount;
    next.messageCount = n + 1;
    commit.messages = [{ conversationId: conv.id, n, author: 'agent', text: event.text!, at: event.at }];
    commit.dedupe = { key: `${channel}:${event.messageId}`, record: { conversationId: conv.id, n, replies: [], status: 'with_agent' } };
    line = { at: now, type: 'agent_message', by: 'agent', message: event.text!, data: { channel } };
  } else {
    line = { at: now, type: 'note', by: 'system', message: event.type === 'human_ended' ? 'platform agent ended the session' : 'taken by a platform agent', data: { channel } };
    // Applied once: a stale one replayed later would undo what happened since (hand our agent's chat to the bot).
    if (event.messageId) commit.dedupe = { key: `${channel}:${event.messageId}`, record: { conversationId: conv.id, n: conv.messageCount, replies: [], status: dialog.status } };
  }
  const ticket = conv.dialog.ticketId ? await deps.store.getTicket(conv.dialog.ticketId) : null;
  if (ticket) {
    const acknowledged = event.type === 'human_message' && ticket.status === 'new';
    const updated: Ticket = {
      ...ticket,
      status: acknowledged ? 'acknowledged' : ticket.status,
      updatedAt: now,
      timeline: [...ticket.timeline, acknowledged ? { ...line, type: 'acknowledged' } : line],
    };
    commit.tickets = [{ value: updated, expectedVersion: ticket.version }];
    commit.effects = cancelAlarms(deps, updated, now);
  }
  await deps.store.commit(commit);
  return commit;
}

const NOTIFIES: ReadonlySet<AgentEventType> = new Set(['acknowledged', 'progress', 'resolved', 'reopened', 'closed']);

/** A step in a ticket's life, recorded on its timeline; most steps are also told to the customer. */
export async function ticketEvent(
  deps: AgentDeps,
  ticketId: string,
  event: { type: AgentEventType; message?: string },
): Promise<{ commit: Commit; ticket: Ticket }> {
  const now = deps.now().toISOString();
  const ticket = await deps.store.getTicket(ticketId);
  if (!ticket) throw new AppError('NOT_FOUND', `no ticket ${ticketId}`);
  const status = nextStatus(ticket.status, event.type);
  const updated: Ticket = {
    ...ticket,
    status,
    updatedAt: now,
    timeline: [...ticket.timeline, { at: now, type: event.type, by: 'agent', ...(event.message ? { message: event.message } : {}) }],
  };
  const commit: Commit = { tickets: [{ value: updated, expectedVersion: ticket.version }], effects: cancelAlarms(deps, updated, now) };
  if (NOTIFIES.has(event.type)) {
    const conv = await mustConversation(deps.store, ticket.conversationId);
    const text = deps.render.text(`notify.${event.type}`, conv.dialog.locale, { ticketId: ticket.id, message: event.message ?? '' });
    // Progress goes where the customer asked for updates when they filed (by text message, say).
    const prefer = ticket.contact.channel === 'sms' ? 'sms' : undefined;
    const { message, effects, contact, undelivered } = await pushMessage(deps, conv, 'bot', text, now, prefer);
    commit.conversation = { value: { ...conv, messageCount: conv.messageCount + 1, ...(contact ? { contact } : {}), updatedAt: now }, expectedVersion: conv.version };
    commit.messages = [message];
    commit.effects!.push(...effects);
    if (undelivered) updated.timeline = [...updated.timeline, undeliveredNote(now, undelivered)];
  }
  await deps.store.commit(commit);
  return { commit, ticket: { ...updated, version: ticket.version + 1 } };
}
