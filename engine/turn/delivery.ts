import type { ChannelAdapter, Permission } from '../channels.ts';
import type { Conversation, Customer } from '../domain.ts';

/** Where a later message (agent reply, progress, callback) goes, or why it can't go anywhere. */
export type Route =
  | { channel: string; channelUserId: string; template: boolean; fallback: boolean }
  | { undelivered: string };

export interface RouteDeps {
  channels: ReadonlyMap<string, ChannelAdapter>;
  /** The SMS channel that carries messages a customer's own channel refuses, to the phone they gave. */
  smsFallback?: string;
  now: () => Date;
}

/**
 * The proactive rule in one place. The customer's own channel decides (`canSend`): free message,
 * approved template only, or not at all (outside WeChat's 48 h window with no template, blocked on
 * Telegram, STOP on SMS). When it says no, a phone number on file and an SMS channel carry it instead.
 * A channel this process does not run is assumed to allow it: its outbox entry waits for a process that does.
 */
export function routePush(conv: Conversation, customer: Pick<Customer, 'phone'> | null, d: RouteDeps, prefer?: 'sms'): Route {
  const sms = d.smsFallback ? d.channels.get(d.smsFallback) : undefined;
  // Updates by text message were the customer's own choice when they filed.
  if (prefer === 'sms' && sms && customer?.phone && conv.channel !== sms.name) {
    return { channel: sms.name, channelUserId: customer.phone, template: true, fallback: true };
  }
  const adapter = d.channels.get(conv.channel);
  const contact = conv.contact ?? { sentSinceInbound: 0 };
  let permission: Permission;
  if (contact.unreachable) permission = { allowed: 'no', reason: `${conv.channel}: ${contact.unreachable.reason}` };
  else permission = adapter?.canSend?.(contact, 'push', d.now()) ?? { allowed: 'yes' };
  if (permission.allowed !== 'no') {
    return { channel: conv.channel, channelUserId: conv.channelUserId, template: permission.allowed === 'template', fallback: false };
  }
  if (sms && customer?.phone && conv.channel !== sms.name) {
    return { channel: sms.name, channelUserId: customer.phone, template: true, fallback: true };
  }
  return { undelivered: permission.reason };
}
