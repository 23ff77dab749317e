import type { Locale } from './packs/schema.ts';
import type { OutboundMessage } from './domain.ts';

/** A customer message after its channel adapter verified, parsed and normalised it. */
export interface InboundMessage {
  channel: string;
  channelUserId: string;
  text: string;
  /** The channel's or client's idea of the language (a browser's, a Telegram user's). The text decides if it is clear. */
  localeHint?: Locale;
  /**
   * The customer picked `localeHint` themselves (a language switcher) just before this message: it replaces
   * the conversation's language, which otherwise follows only what they write.
   */
  localeChosen?: boolean;
  /** The channel's own id for this delivery; a redelivery carries the same id and is answered from the record. */
  messageId: string;
  timestamp: string;
  /**
   * What the channel needs later to reach this customer again (a Bot Framework conversation reference,
   * a LINE reply token and when it came, the WeCom kf account). Kept on the conversation, replaced by
   * each message that carries it. Never personal data beyond the channel's own ids.
   */
  contact?: Record<string, unknown>;
}

/** What a conversation knows about reaching its customer on its channel; kept on the conversation. */
export interface ChannelContact {
  /** When the customer last wrote: windowed channels (WeChat 48 h) count from here. */
  lastInboundAt?: string;
  /** Messages sent since the customer last wrote, replies included (WeChat allows 5). */
  sentSinceInbound: number;
  /** Set when the channel said the customer cannot be reached (blocked the bot, texted STOP). */
  unreachable?: { reason: 'blocked' | 'opted_out' | 'gone'; at: string };
  /** Channel-specific data from `InboundMessage.contact`. */
  data?: Record<string, unknown>;
}

/** Why a message goes out: the answer to a turn, or something later (agent reply, progress, callback). */
export type SendKind = 'reply' | 'push';

/**
 * Whether a channel may send now. `template`: only as a pre-approved template/notification (WeChat
 * subscription or template message, Aliyun SMS template), whose text the adapter builds from `message`.
 */
export type Permission = { allowed: 'yes' } | { allowed: 'template' } | { allowed: 'no'; reason: string };

export interface SendContext {
  conversationId: string;
  /** reply: answers the turn in progress; push: a later message (agent reply, progress). */
  mode: 'reply' | 'push';
  /**
   * True while the request that caused a reply is still waiting for it. Request/response channels (web,
   * terminal) hand live replies back in that response; anything else must be delivered by the adapter.
   */
  live: boolean;
  /** Transcript number, for clients that resume a stream. */
  n: number;
  /** The customer's language, for the words a channel adds itself ("reply 1, 2 or 3"). */
  locale?: Locale;
  /** Send as an approved template/notification (the permission said so). */
  template?: boolean;
  /** The conversation's channel data (InboundMessage.contact), e.g. a Bot Framework reference. */
  contact?: Record<string, unknown>;
  /** Stable id of this outbox entry: channels with idempotent sends use it as their retry key. */
  effectId?: string;
}

/** How a channel can show a message; rich replies degrade to what it supports. */
export interface ChannelCapabilities {
  /** buttons: tappable choices (inline keyboard, quick replies, suggested actions); none: numbered options in the text. */
  choices: 'buttons' | 'none';
  /** Most choices shown as buttons; more become numbered options. */
  maxButtons: number;
  /** Longest label a button takes. */
  maxButtonLabel: number;
  /** Longest text of one message, in characters; longer texts are split at sentence ends. */
  maxLength: number;
  markup: 'plain' | 'markdown' | 'html';
  /**
   * The platform's sending limits, kept by the outbox (token buckets in Redis, shared by every instance,
   * when the store is Redis; in the process otherwise): messages per second for the whole channel and per
   * customer, each with the burst it tolerates (Telegram: 30/s, about 1/s per chat).
   */
  rate?: { perSecond: number; burst: number; perCustomerPerSecond: number; customerBurst: number };
}

/** An HTTP request exactly as the platform sent it: signatures are over these bytes. */
export interface WebhookRequest {
  method: string;
  /** The public URL the platform called (scheme, host, port, path, query), as it signed it. */
  url: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

export interface WebhookResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * Something a channel told us about a customer that is not their message: reachability, or what the
 * platform's own human agents did (WeCom 微信客服 servicers working in the WeCom client).
 */
export interface ChannelEvent {
  channelUserId: string;
  type: 'opted_out' | 'opted_in' | 'blocked' | 'human_took_over' | 'human_message' | 'human_ended';
  at: string;
  /**
   * human_message: what the platform's agent wrote. messageId: the platform's id for it, or for a session
   * change (human_took_over, human_ended) where the platform gives one; a redelivery carries the same.
   */
  text?: string;
  messageId?: string;
  /** Where it falls among the delivery's messages: before messages[before]; absent, before them all. */
  before?: number;
}

export interface WebhookResult {
  messages: InboundMessage[];
  events?: ChannelEvent[];
  /** What to answer the platform once the messages are committed. */
  response: WebhookResponse;
}

/**
 * One channel. Inbound (`webhook`) checks the signature in constant time before reading anything else
 * and throws AppError UNAUTHORIZED on a forged or missing one, BAD_REQUEST on a malformed body; the
 * engine then runs each message (deduplicated by its messageId) and answers with `response`.
 * Outbound `send` throws AppError UNREACHABLE when the channel says the customer can't be reached
 * (blocked, opted out): the engine marks that and does not retry. Any other error is retried later.
 */
export interface ChannelAdapter {
  readonly name: string;
  readonly capabilities?: ChannelCapabilities;
  /** Webhook path (default /webhooks/<name>), and the handler. Absent for channels with their own transport. */
  readonly path?: string;
  webhook?(req: WebhookRequest): Promise<WebhookResult>;
  send(channelUserId: string, message: OutboundMessage, ctx: SendContext): Promise<void>;
  /** The proactive rule. Absent: always allowed unless the customer is unreachable. */
  canSend?(contact: ChannelContact, kind: SendKind, now: Date): Permission;
  /**
   * Gives the chat to the platform's own human agents, for operators whose agents work in the platform's
   * client (WeCom 微信客服). Absent: agents answer through this service's agent API, and the bot stays quiet.
   */
  handOff?(channelUserId: string, contact: Record<string, unknown> | undefined): Promise<void>;
  /** For channels that pull or keep a connection (long polling, wechaty): start and stop it. */
  start?(deliver: (result: Omit<WebhookResult, 'response'>) => Promise<void>): Promise<void>;
  stop?(): Promise<void>;
}

/** What a channel gets from the service when it is created. */
export interface ChannelDeps {
  /** Small shared values (access tokens, sync cursors), visible to every instance. */
  kv: { get(key: string): Promise<string | null>; set(key: string, value: string, ttlMs?: number): Promise<void> };
  log: import('pino').Logger;
  now: () => Date;
}

/**
 * One row of the channel table (adapters/channels.ts). A channel is on when any of its variables is set;
 * then `create` validates all of them and throws AppError CONFIG_INVALID naming the variable (never its
 * value) when one is missing or malformed: that channel stays off and the others start.
 */
export interface ChannelDefinition {
  name: string;
  env: readonly string[];
  create(env: Readonly<Record<string, string | undefined>>, deps: ChannelDeps): ChannelAdapter;
}
