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
}

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
}

/** The outbound half of a channel. Issue-sized channels add verification and parsing beside it. */
export interface ChannelAdapter {
  readonly name: string;
  send(channelUserId: string, message: OutboundMessage, ctx: SendContext): Promise<void>;
}
