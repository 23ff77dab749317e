import type { Customer, Ticket, TicketEvent } from '../engine/domain.ts';
import type { Grade, Locale, Pack } from '../engine/packs/schema.ts';
import type { Understanding } from '../engine/understand/types.ts';

/**
 * The dialogue state saved with a conversation. `active` names the flow that owns the next turn and the
 * version of that flow's state shape, so a deployment that drops a version can restart it politely.
 */
export interface DialogState {
  status: 'bot' | 'waiting_for_agent' | 'with_agent';
  locale: Locale;
  active: ActiveFlow | null;
  /** Turns in a row the bot did not understand. */
  misunderstood: number;
  ticketId?: string;
  handoffReason?: HandoffReason;
  /** Wordings already used in this conversation (empathy openings), oldest first. */
  said?: string[];
  /** How this customer argues, once seen (see `Understanding.style`): it shapes how the bot asks and answers. */
  style?: 'rational' | 'emotional';
}

export interface ActiveFlow {
  name: string;
  version: number;
  data: unknown;
}

export type HandoffReason = 'requested' | 'anger' | 'major' | 'vip' | 'risk_customer' | 'misunderstood';

/** A value inside a reply, rendered by the engine in the customer's locale. */
export type Param =
  | string
  | number
  | { t: string; params?: Record<string, Param> }
  | { localized: Partial<Record<Locale, string>> }
  | { time: string }
  | { list: Param[] };

export interface QuickReply {
  label: Param;
  payload: string;
}

export interface Reply {
  key: string;
  params?: Record<string, Param>;
  quickReplies?: QuickReply[];
}

export type TicketDraft = Omit<Ticket, 'version' | 'conversationId' | 'channel' | 'customerId' | 'timeline' | 'updatedAt'>;

/** What a flow wants done. Data only: the engine persists and executes them. */
export type Effect =
  | { type: 'reply'; reply: Reply }
  | { type: 'create_ticket'; ticket: TicketDraft }
  | { type: 'ticket_event'; ticketId: string; event: TicketEvent }
  | { type: 'handoff'; reason: HandoffReason; ticketId?: string }
  | { type: 'set_phone'; phone: string };

export interface TicketSummary {
  id: string;
  status: Ticket['status'];
  category: string;
  grade: Grade;
  respondBy: string;
  resolveBy: string;
  createdAt: string;
  lastEvent?: TicketEvent;
}

export interface FlowInput {
  text: string;
  /** The customer's style for this turn: the conversation's, set by the dialogue before any flow runs. */
  style?: 'rational' | 'emotional';
  understanding: Understanding;
  /** Payload of the offered quick reply that the text picked, if any. */
  choice?: string;
  /** A language the customer has just picked by hand; it wins over the one read from the text. */
  chosenLocale?: Locale;
  now: string;
  pack: Pack;
  customer: Pick<Customer, 'tags' | 'complaintTimes' | 'phone'>;
  openTickets: TicketSummary[];
  /** A fresh ticket number, used only if this turn files a ticket. */
  newTicketId: string;
  /** Respond-by and resolve-by for a ticket of this grade filed at `now`, on the pack's calendar. */
  deadlines(grade: Grade): { respondBy: string; resolveBy: string };
}

export interface StepResult {
  state: DialogState;
  effects: Effect[];
}

/** A versioned flow. `step` is pure: same state and input, same result, no I/O. */
export interface Flow<D> {
  name: string;
  version: number;
  step(data: D, state: DialogState, input: FlowInput): StepResult;
}
