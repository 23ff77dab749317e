import type { HandoffReason } from '../../flows/types.ts';
import type { Grade, Locale } from '../../engine/packs/schema.ts';

export type PackName = 'power-utility' | 'retail-bank' | 'ecommerce';

/**
 * One conversation, written from a case in the source documents (/work/shared/seeds) or a section of
 * DOMAIN.md, as a customer would type it. `turns` are the customer's lines in order: they answer the bot's
 * questions the way people do (a date in their own words, "text me", the number from the bill), so a bot
 * that asks something unexpected makes the script go wrong and the expectations fail.
 */
export interface Scenario {
  name: string;
  /** Which seed case or DOMAIN.md section the conversation comes from. */
  source: string;
  pack: PackName;
  locale: Locale;
  turns: string[];
  expect: Expectation;
}

export interface Expectation {
  /** The one ticket filed by the end, or `null` when none may be filed. Omitted: not checked. */
  ticket?: {
    /** A category id, or the few a careful human agent could equally file it under. */
    category: string | string[];
    grade: Grade;
    /** The risk signals on the ticket, exactly. */
    signals?: string[];
    details?: Record<string, string>;
  } | null;
  /** The conversation ends with the human queue (true) or still with the bot (false). Omitted: not checked. */
  handoff?: boolean;
  handoffReason?: HandoffReason;
  /** The customer is upset at turn `upsetAt` (default 0): the bot's first reply to it acknowledges the feeling before anything else. */
  empathyFirst?: boolean;
  upsetAt?: number;
  /** Intake questions (category, what happened, when, demand, each detail, phone, contact) the bot may ask in all. */
  maxQuestions: number;
  /** An FAQ entry the bot answers with. */
  faqId?: string;
}
