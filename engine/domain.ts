import type { Grade, Locale } from './packs/schema.ts';
import type { DialogState } from '../flows/types.ts';
import type { JobPayload } from './scheduler/scheduler.ts';
import type { ChannelContact } from './channels.ts';

export type ConversationStatus = 'bot' | 'waiting_for_agent' | 'with_agent';

/** What a quick-reply button shows and what the bot takes it to mean when the label comes back as text. */
export interface OfferedChoice {
  label: string;
  payload: string;
}

export interface Conversation {
  id: string;
  channel: string;
  channelUserId: string;
  customerId: string;
  /** Optimistic-concurrency counter: every write names the version it read. */
  version: number;
  dialog: DialogState;
  /** Buttons shown in the last bot message, so a typed label or number maps back to its payload. */
  offered: OfferedChoice[];
  /** Transcript entries so far; the next entry gets this number. */
  messageCount: number;
  /**
   * A link to another customer record waiting for its code: the customer typed a number that already
   * has complaints, and a code went to that number by SMS. Only the code's hash is kept.
   */
  link?: { customerId: string; phone: string; codeHash: string; expiresAt: string; attempts: number };
  /** Reaching the customer on this channel later: when they last wrote, what was sent since, reachability. */
  contact?: ChannelContact;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelIdentity {
  channel: string;
  channelUserId: string;
}

export interface Customer {
  id: string;
  version: number;
  identities: ChannelIdentity[];
  phone?: string;
  /** The phone was proven by possession: the customer texted us from it on an SMS channel. */
  phoneVerified?: boolean;
  locale?: Locale;
  tags: string[];
  /** When each complaint was filed; the pack's risk rule counts those inside its window. */
  complaintTimes: string[];
  createdAt: string;
  updatedAt: string;
}

export const TICKET_STATUSES = ['new', 'acknowledged', 'in_progress', 'resolved', 'closed', 'reopened'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export type TicketEventType =
  | 'created'
  | 'acknowledged'
  | 'progress'
  | 'resolved'
  | 'closed'
  | 'reopened'
  | 'note'
  | 'handoff'
  | 'agent_message'
  /** A deadline passed without its event; data says which and the escalation level it led to. */
  | 'overdue'
  /** A later rung of the escalation ladder, reached while the ticket stayed overdue. */
  | 'escalated';

export interface TicketEvent {
  at: string;
  type: TicketEventType;
  by: 'bot' | 'agent' | 'customer' | 'system';
  message?: string;
  data?: Record<string, unknown>;
}

export type ContactChannel = 'chat' | 'sms' | 'phone';

export interface Ticket {
  id: string;
  version: number;
  customerId: string;
  conversationId: string;
  /** Channel the complaint came in on; notifications go back there. */
  channel: string;
  status: TicketStatus;
  grade: Grade;
  category: string;
  description: string;
  demand?: string;
  occurredAt?: string;
  occurredText?: string;
  details: Record<string, string>;
  contact: { phone?: string; channel: ContactChannel };
  locale: Locale;
  signals: string[];
  escalationLevel: number;
  /** Deadlines that passed without their event. */
  overdue?: Array<'respond' | 'resolve'>;
  respondBy: string;
  resolveBy: string;
  handoffReason?: string;
  createdAt: string;
  updatedAt: string;
  timeline: TicketEvent[];
}

export interface QuickReplyOut {
  label: string;
  payload: string;
}

/** A message on its way to a customer, already rendered in their language. */
export interface OutboundMessage {
  text: string;
  quickReplies?: QuickReplyOut[];
}

export interface TranscriptEntry {
  conversationId: string;
  n: number;
  author: 'customer' | 'bot' | 'agent';
  text: string;
  quickReplies?: QuickReplyOut[];
  at: string;
}

interface OutboxBase {
  id: string;
  conversationId: string;
  createdAt: string;
  /** Not to be tried before this time (set after a failed attempt). */
  notBefore: string;
  attempts: number;
}

/** Work that must happen after a commit; kept in the store until done so a crash cannot drop it. */
export type OutboxEntry =
  | (OutboxBase & {
      kind: 'send';
      channel: string;
      channelUserId: string;
      /** reply: answer to the turn that produced it; push: a later message (agent, progress). */
      mode: 'reply' | 'push';
      /** Transcript number of this message, so a stream can skip what it already showed. */
      n: number;
      message: OutboundMessage;
      locale?: Locale;
      /** Goes as the channel's approved template/notification (outside its free-messaging window). */
      template?: boolean;
      /** The channel's data for reaching this customer (a Bot Framework reference), copied at commit. */
      contact?: Record<string, unknown>;
    })
  | (OutboxBase & {
      kind: 'event';
      name: 'handoff' | 'ticket_created' | 'ticket_updated' | 'ticket_escalated';
      data: Record<string, unknown>;
    })
  | (OutboxBase & {
      /**
       * The chat goes to the channel's own human agents (WeCom 微信客服's queue or a named servicer), after
       * the turn's replies: a channel without its own agents (ChannelAdapter.handOff absent) does nothing.
       */
      kind: 'handoff';
      channel: string;
      channelUserId: string;
      contact?: Record<string, unknown>;
    })
  | (OutboxBase & {
      /** Timed work to set up or call off, handed to the scheduler after the commit (idempotent by job id). */
      kind: 'schedule';
      jobs: Array<{ id: string; runAt: string; payload: JobPayload }>;
      cancel?: string[];
    });

/** What a processed inbound message produced; kept under its dedupe key so a redelivery gets the same answer. */
export interface TurnRecord {
  conversationId: string;
  /** Transcript number of the customer's message; its replies follow it in order. */
  n: number;
  replies: OutboundMessage[];
  status: ConversationStatus;
  ticketId?: string;
}

export interface Versioned<T> {
  value: T;
  /** The version read before the change; null when the record must not exist yet. */
  expectedVersion: number | null;
}

/** Everything one turn (or one agent action) changes, written atomically or not at all. */
export interface Commit {
  dedupe?: { key: string; record: TurnRecord };
  conversation?: Versioned<Conversation>;
  customers?: Versioned<Customer>[];
  tickets?: Versioned<Ticket>[];
  messages?: TranscriptEntry[];
  effects?: OutboxEntry[];
}
