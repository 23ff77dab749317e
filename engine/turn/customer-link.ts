import { createHash, randomInt } from 'node:crypto';
import type { Commit, Conversation, Customer, OutboundMessage, OutboxEntry, TurnRecord } from '../domain.ts';
import type { InboundMessage } from '../channels.ts';
import type { Locale } from '../packs/schema.ts';
import { orderedId } from '../ids.ts';
import { maskPhone } from '../../flows/replies.ts';
import type { TurnDeps } from './pipeline.ts';

// One customer across channels, safely: records join only on a phone number proven to be the
// customer's, by texting from it or by typing back a code sent to it.

const LINK_MINUTES = 10;
const LINK_ATTEMPTS = 5;
const hashCode = (code: string, conversationId: string) => createHash('sha256').update(`${conversationId}:${code}`).digest('hex');

/** One record for a person: the owner's, with the other record's identities and complaints added. */
export function joinRecords(owner: Customer, other: Customer, now: string): Customer {
  const identities = [...owner.identities];
  for (const id of other.identities) {
    if (!identities.some((x) => x.channel === id.channel && x.channelUserId === id.channelUserId)) identities.push(id);
  }
  const complaintTimes = [...new Set([...owner.complaintTimes, ...other.complaintTimes])].sort().slice(-50);
  return { ...owner, identities, complaintTimes, tags: [...new Set([...owner.tags, ...other.tags])], updatedAt: now };
}

/**
 * The answer to a link code (six digits while a link waits): the right code joins this chat to the
 * record of the number's owner; a wrong one counts, and five wrong or an old code end the link.
 * Nothing else in the dialogue moves, so an intake in progress carries on afterwards.
 */
export async function linkTurn(deps: TurnDeps, msg: InboundMessage, conv: Conversation, customer: Customer, now: string): Promise<{ commit: Commit; record: TurnRecord }> {
  const link = conv.link!;
  const locale = conv.dialog.locale;
  const expired = Date.parse(link.expiresAt) <= Date.parse(now) || link.attempts >= LINK_ATTEMPTS;
  const right = !expired && hashCode(msg.text.trim(), conv.id) === link.codeHash;
  const owner = right ? await deps.store.getCustomer(link.customerId) : null;
  const next: Conversation = { ...conv, messageCount: conv.messageCount + 2, updatedAt: now };
  delete next.link;
  const commit: Commit = {};
  let key = 'link.expired';
  if (right && owner) {
    key = 'link.done';
    // The code came by SMS to the number, so typing it back proves the number is this customer's.
    const joined: Customer = { ...joinRecords(owner, customer, now), phone: link.phone, phoneVerified: true };
    next.customerId = owner.id;
    commit.customers = [{ value: joined, expectedVersion: owner.version }];
  } else if (!expired) {
    key = 'link.wrong';
    next.link = { ...link, attempts: link.attempts + 1 };
  }
  const reply = { text: deps.render.text(key, locale) };
  const n = conv.messageCount;
  const record: TurnRecord = { conversationId: conv.id, n, replies: [reply], status: conv.dialog.status };
  if (conv.dialog.ticketId) record.ticketId = conv.dialog.ticketId;
  Object.assign(commit, {
    dedupe: { key: `${msg.channel}:${msg.messageId}`, record },
    conversation: { value: next, expectedVersion: conv.version },
    messages: [
      { conversationId: conv.id, n, author: 'customer', text: msg.text, at: now },
      { conversationId: conv.id, n: n + 1, author: 'bot', text: reply.text, at: now },
    ],
    effects: [
      { id: orderedId('ob'), kind: 'send', conversationId: conv.id, channel: msg.channel, channelUserId: msg.channelUserId, mode: 'reply', n: n + 1, message: reply, locale, createdAt: now, notBefore: now, attempts: 0 },
    ],
  } satisfies Commit);
  return { commit, record };
}

/** Two spellings of one number (+86 139…, 139…): the shorter is the tail of the longer, 8 digits at least. */
export function samePhone(a: string, b: string): boolean {
  const [x, y] = [a.replace(/\D/g, ''), b.replace(/\D/g, '')];
  return Math.min(x.length, y.length) >= 8 && (x.endsWith(y) || y.endsWith(x));
}

/** A code for a typed number that already has complaints: the link to wait with, the reply, and the SMS. */
export function offerLink(
  deps: Pick<TurnDeps, 'render'> & { smsChannel: string },
  conversationId: string,
  ownerId: string,
  phone: string,
  locale: Locale,
  now: string,
): { link: NonNullable<Conversation['link']>; reply: OutboundMessage; effect: OutboxEntry } {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  return {
    link: { customerId: ownerId, phone, codeHash: hashCode(code, conversationId), expiresAt: new Date(Date.parse(now) + LINK_MINUTES * 60_000).toISOString(), attempts: 0 },
    reply: { text: deps.render.text('link.code_sent', locale, { phone: maskPhone(phone) }) },
    effect: {
      id: orderedId('ob'),
      kind: 'send',
      conversationId,
      channel: deps.smsChannel,
      channelUserId: phone,
      mode: 'push',
      n: -1,
      message: { text: deps.render.text('link.code_sms', locale, { code, minutes: LINK_MINUTES }) },
      template: true,
      createdAt: now,
      notBefore: now,
      attempts: 0,
    },
  };
}
