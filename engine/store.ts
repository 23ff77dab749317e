import type {
  Commit,
  Conversation,
  ConversationStatus,
  Customer,
  OutboxEntry,
  Ticket,
  TicketStatus,
  TranscriptEntry,
  TurnRecord,
} from './domain.ts';

export interface TicketFilter {
  status?: TicketStatus;
  customerId?: string;
  /** Only tickets not yet resolved or closed. */
  open?: boolean;
}

/**
 * The one seam between the engine and persistence. Every implementation (memory, SQLite, Redis)
 * passes test/store/conformance.ts. Reads return copies: mutating a result never changes the store.
 */
export interface Store {
  readonly kind: string;
  findConversation(channel: string, channelUserId: string): Promise<Conversation | null>;
  getConversation(id: string): Promise<Conversation | null>;
  listConversations(filter: { status?: ConversationStatus; limit?: number }): Promise<Conversation[]>;
  getCustomer(id: string): Promise<Customer | null>;
  /** The record that proved this phone (Customer.phoneVerified), else the newest one carrying it. */
  findCustomerByPhone(phone: string): Promise<Customer | null>;
  getTicket(id: string): Promise<Ticket | null>;
  /** Newest first. */
  listTickets(filter: TicketFilter & { limit?: number }): Promise<Ticket[]>;
  /** Transcript entries with n > afterN, oldest first. */
  listMessages(conversationId: string, afterN?: number): Promise<TranscriptEntry[]>;
  getTurnRecord(dedupeKey: string): Promise<TurnRecord | null>;
  /**
   * Applies the whole commit atomically. Throws AppError CONFLICT when a versioned record changed
   * since it was read (or already exists), DUPLICATE when the dedupe key was already committed.
   */
  commit(commit: Commit): Promise<void>;
  /** Outbox entries due at `now`, oldest first. */
  pendingEffects(now: string, limit?: number): Promise<OutboxEntry[]>;
  /** done: remove it. retry: keep it, not before `retryAt`. */
  settleEffect(id: string, outcome: { done: true } | { done: false; retryAt: string }): Promise<void>;
  /**
   * Small values a channel keeps between deliveries and instances (an access token until it expires, a
   * sync cursor). Plain last-writer-wins; `ttlMs` lets a value lapse.
   */
  getValue(key: string): Promise<string | null>;
  setValue(key: string, value: string, ttlMs?: number): Promise<void>;
  close(): Promise<void>;
}
