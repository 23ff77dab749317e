import type { Grade, Locale, RiskSignal } from '../packs/schema.ts';

export const INTENTS = [
  'complaint',
  'question',
  'request_human',
  'progress',
  'greeting',
  'thanks',
  'affirm',
  'deny',
  'cancel',
  'restart',
  'other',
] as const;
export type Intent = (typeof INTENTS)[number];

export type HandoffReason = 'major' | 'anger' | 'requested';

export type Emotion = 'anger' | 'anxiety' | 'sadness' | 'none';

export interface DateEntity {
  text: string;
  /** Local calendar date (YYYY-MM-DD) in the pack's time zone, when it can be pinned down. */
  date?: string;
  /** Local time of day HH:mm when given. */
  time?: string;
  /** Only a time was said ("at 3pm"): `date` is today by default, but it may belong to a date said earlier. */
  timeOnly?: boolean;
}

export interface AmountEntity {
  text: string;
  value: number;
  currency: string;
}

export interface Entities {
  phones: string[];
  /** Pack details (account_number, meter_number, order_number ...) keyed by detail id. */
  details: Record<string, string[]>;
  /** Other numbers of four or more digits that no cue word claimed (read as a detail when one is asked for). */
  numbers: string[];
  dates: DateEntity[];
  amounts: AmountEntity[];
  ticketIds: string[];
}

export interface Understanding {
  language: 'zh' | 'en';
  /** Locale guessed from the text itself (zh-TW when traditional characters dominate). */
  locale: Locale;
  intent: { name: Intent; confidence: number };
  /** Greetings, thanks and goodbyes anywhere in the message, beside the main intent. */
  social: { greeting: boolean; thanks: boolean; goodbye: boolean };
  category: { id: string; confidence: number } | null;
  faq: { id: string; score: number } | null;
  /** Up to three FAQ entries worth offering when the best one is not sure enough, best first. */
  faqCandidates: Array<{ id: string; score: number }>;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
  emotion: { label: Emotion; intensity: number };
  /**
   * How the customer argues (DOMAIN.md §5): `rational` cites rules, contracts, records and figures and wants
   * facts with their basis; `emotional` is driven by feeling and needs soothing and short questions first.
   */
  style: 'rational' | 'emotional' | 'plain';
  /** The writer reports a problem for the company to handle (not a plain question, request or praise). */
  complaint: boolean;
  /** Why this message alone hands the chat to a human under the pack's thresholds, or null. */
  handoff: HandoffReason | null;
  severity: Grade;
  signals: RiskSignal[];
  /** Demand words found (refund, repair, apology, compensation ...), as normalised kinds. */
  demands: string[];
  entities: Entities;
}

export interface UnderstandContext {
  /** The conversation's current locale, used when the text itself is ambiguous (digits, "ok"). */
  locale?: Locale;
  /** Local date "today" in the pack time zone, for relative dates. */
  today?: string;
}
