import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelDeps,
  ChannelEvent,
  InboundMessage,
  WebhookRequest,
  WebhookResult,
} from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import type { Locale } from '../../engine/packs/schema.ts';
import { present } from '../channel-kit/present.ts';
import { BotAuthError, ConnectorError, type BotConnector, type OutboundActivity, type StoredReference } from './sdk.ts';

export const BOT_FRAMEWORK = 'bot-framework';

/** Longest text we put in one activity. Teams takes ~28 KB per message; 4000 characters keeps every channel readable. */
const MAX_LENGTH = 4000;

/**
 * What each Bot Framework channel shows. Suggested actions (imBack buttons): Teams displays only the
 * first three (Teams docs, "suggested actions"); Web Chat, Direct Line and the Emulator show many, we
 * cap at 10. Other channels behind Azure Bot Service get numbered options in the text.
 */
// Teams: about 50 requests/s per app and tenant, and per conversation 7 a second but 1,800 an hour.
const RATE = { perSecond: 50, burst: 50, perCustomerPerSecond: 0.5, customerBurst: 7 };

export function capabilitiesFor(channelId: string): ChannelCapabilities {
  switch (channelId) {
    case 'msteams':
      return { choices: 'buttons', maxButtons: 3, maxButtonLabel: 20, maxLength: MAX_LENGTH, markup: 'plain', rate: RATE };
    case 'webchat':
    case 'directline':
    case 'directlinespeech':
    case 'emulator':
      return { choices: 'buttons', maxButtons: 10, maxButtonLabel: 40, maxLength: MAX_LENGTH, markup: 'plain' };
    default:
      return { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: MAX_LENGTH, markup: 'plain' };
  }
}

export interface BotFrameworkConfig {
  /** No app id: no JWT check (emulator on this machine only; serviceUrl must be loopback). */
  anonymous: boolean;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Bot Framework locales are BCP-47 ("zh-CN", "zh-Hant-TW", "en-US"). */
export function localeOf(tag: unknown): Locale | undefined {
  if (typeof tag !== 'string') return undefined;
  const t = tag.toLowerCase();
  if (t.startsWith('zh')) return /hant|-tw|-hk|-mo/.test(t) ? 'zh-TW' : 'zh-CN';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return undefined;
}

function isLoopback(serviceUrl: string): boolean {
  try {
    const host = new URL(serviceUrl).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/**
 * The customer as the engine knows them: the channel plus the conversation the channel issued (not
 * the client-chosen `from.id`, which Web Chat lets the page set). In a group chat each member is a
 * separate customer in that chat: `<channel>:<conversation>:<from>`.
 */
export function channelUserIdOf(a: { channelId: string; conversation: { id: string; isGroup?: boolean }; from: { id: string } }): string {
  return a.conversation.isGroup ? `${a.channelId}:${a.conversation.id}:${a.from.id}` : `${a.channelId}:${a.conversation.id}`;
}

interface ParsedActivity {
  type: string;
  id?: string;
  channelId: string;
  serviceUrl: string;
  conversation: { id: string; isGroup?: boolean; conversationType?: string; tenantId?: string };
  from: { id: string };
  recipient: { id: string };
  raw: Json;
}

function parseActivity(raw: unknown): ParsedActivity {
  if (!isRecord(raw)) throw new AppError('BAD_REQUEST', 'bot-framework: body is not an activity');
  const type = str(raw.type);
  const channelId = str(raw.channelId);
  const serviceUrl = str(raw.serviceUrl);
  const conv = isRecord(raw.conversation) ? raw.conversation : undefined;
  const from = isRecord(raw.from) ? raw.from : undefined;
  const recipient = isRecord(raw.recipient) ? raw.recipient : undefined;
  const convId = str(conv?.id);
  const fromId = str(from?.id);
  const botId = str(recipient?.id);
  if (!type || !channelId || !serviceUrl || !convId || !fromId || !botId) {
    throw new AppError('BAD_REQUEST', 'bot-framework: activity lacks type, channelId, serviceUrl, conversation, from or recipient');
  }
  if (!/^https?:\/\//i.test(serviceUrl)) throw new AppError('BAD_REQUEST', 'bot-framework: serviceUrl is not an http(s) URL');
  const conversation: ParsedActivity['conversation'] = { id: convId };
  if (conv?.isGroup === true) conversation.isGroup = true;
  if (str(conv?.conversationType)) conversation.conversationType = str(conv?.conversationType)!;
  if (str(conv?.tenantId)) conversation.tenantId = str(conv?.tenantId)!;
  return { type, id: str(raw.id), channelId, serviceUrl, conversation, from: { id: fromId }, recipient: { id: botId }, raw };
}

/** The conversation reference we keep: ids only (no display names, no AAD object ids). */
function referenceOf(a: ParsedActivity): StoredReference {
  const locale = str(a.raw.locale);
  return {
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: a.conversation,
    bot: { id: a.recipient.id },
    user: { id: a.from.id },
    ...(a.id ? { activityId: a.id } : {}),
    ...(locale ? { locale } : {}),
  };
}

function storedReference(contact: Record<string, unknown> | undefined): StoredReference | undefined {
  const ref = contact?.conversationReference;
  if (!isRecord(ref)) return undefined;
  const conv = isRecord(ref.conversation) ? ref.conversation : undefined;
  if (!str(ref.channelId) || !str(ref.serviceUrl) || !str(conv?.id) || !isRecord(ref.bot) || !isRecord(ref.user)) return undefined;
  return ref as unknown as StoredReference;
}

export function createBotFrameworkChannel(config: BotFrameworkConfig, connector: BotConnector, deps: Pick<ChannelDeps, 'log' | 'now'>): ChannelAdapter {
  const log = deps.log.child({ channel: BOT_FRAMEWORK });

  async function webhook(req: WebhookRequest): Promise<WebhookResult> {
    const authHeader = req.headers['authorization'] ?? '';
    // 1. Authentication, before the body means anything. A missing or non-Bearer header fails here.
    if (!config.anonymous && !/^Bearer [^\s]+$/.test(authHeader)) {
      throw new AppError('UNAUTHORIZED', 'bot-framework: missing Bearer token');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(req.body);
    } catch {
      raw = undefined;
    }
    if (!config.anonymous) {
      // The SDK binds the token to the activity's channelId (endorsements) and serviceUrl (claim),
      // so it needs those two strings; nothing else is read before the token is valid.
      const hints = isRecord(raw) ? { channelId: str(raw.channelId) ?? '', serviceUrl: str(raw.serviceUrl) ?? '' } : { channelId: '', serviceUrl: '' };
      try {
        await connector.authenticate(hints, authHeader);
      } catch (err) {
        if (err instanceof BotAuthError && err.unavailable) throw new AppError('UNAVAILABLE', 'bot-framework: signing keys unavailable');
        throw new AppError('UNAUTHORIZED', 'bot-framework: invalid Bot Connector token');
      }
    }
    if (raw === undefined) throw new AppError('BAD_REQUEST', 'bot-framework: body is not JSON');
    // 2. Parse.
    const a = parseActivity(raw);
    if (config.anonymous && !isLoopback(a.serviceUrl)) {
      // Without a token anyone could name any serviceUrl and have us post there.
      throw new AppError('UNAUTHORIZED', 'bot-framework: anonymous mode accepts only a loopback serviceUrl');
    }
    const ok: WebhookResult = { messages: [], response: { status: 200 } };
    const at = str(a.raw.timestamp) && !Number.isNaN(Date.parse(a.raw.timestamp as string)) ? new Date(a.raw.timestamp as string).toISOString() : deps.now().toISOString();

    if (a.type === 'message') {
      if (!a.id) throw new AppError('BAD_REQUEST', 'bot-framework: message activity without id');
      const text = (a.conversation.isGroup ? connector.removeBotMention(a.raw) : typeof a.raw.text === 'string' ? a.raw.text : '').trim();
      // Attachments only (images, files, cards): no text to understand, no turn.
      if (!text) return ok;
      const msg: InboundMessage = {
        channel: BOT_FRAMEWORK,
        channelUserId: channelUserIdOf(a),
        text,
        // activity.id is unique within its conversation, not across conversations.
        messageId: `${a.channelId}:${a.conversation.id}:${a.id}`,
        timestamp: at,
        contact: { conversationReference: referenceOf(a) },
      };
      const locale = localeOf(a.raw.locale);
      if (locale) msg.localeHint = locale;
      return { ...ok, messages: [msg] };
    }

    const events: ChannelEvent[] = [];
    if (!a.conversation.isGroup) {
      const user = channelUserIdOf(a);
      if (a.type === 'installationUpdate') {
        const action = str(a.raw.action) ?? '';
        if (action.startsWith('remove')) events.push({ channelUserId: user, type: 'blocked', at });
        else if (action.startsWith('add')) events.push({ channelUserId: user, type: 'opted_in', at });
      } else if (a.type === 'conversationUpdate' && Array.isArray(a.raw.membersRemoved)) {
        const botRemoved = a.raw.membersRemoved.some((m) => isRecord(m) && m.id === a.recipient.id);
        if (botRemoved) events.push({ channelUserId: user, type: 'blocked', at });
      }
    }
    return events.length ? { ...ok, events } : ok;
  }

  return {
    name: BOT_FRAMEWORK,
    capabilities: capabilitiesFor('webchat'),
    path: '/api/messages',
    webhook,

    async send(channelUserId, message, ctx) {
      const stored = storedReference(ctx.contact);
      if (!stored) throw new AppError('UNREACHABLE', 'bot-framework: no conversation reference for this customer');
      const owner = stored.conversation.isGroup
        ? `${stored.channelId}:${stored.conversation.id}:${stored.user.id}`
        : `${stored.channelId}:${stored.conversation.id}`;
      if (channelUserId !== owner) {
        throw new Error('bot-framework: the stored conversation reference belongs to another customer');
      }
      // A reply threads under the customer's message; a later push starts a new message in the conversation.
      const reference: StoredReference = { ...stored };
      if (ctx.mode === 'push') delete reference.activityId;
      const caps = capabilitiesFor(stored.channelId);
      const shown = present(message, caps, ctx.locale);
      const activities: OutboundActivity[] = shown.texts.map((text) => ({ text, ...(stored.locale ? { locale: stored.locale } : {}) }));
      const last = activities[activities.length - 1];
      if (last && shown.buttons.length) {
        // The button shows the (possibly shortened) label and sends the full label back, which the bot matches.
        last.suggestedActions = {
          to: [stored.user.id],
          actions: shown.buttons.map((b, i) => ({ title: b.label, value: message.quickReplies?.[i]?.label ?? b.label })),
        };
      }
      try {
        await connector.send(reference, activities);
      } catch (err) {
        if (err instanceof ConnectorError && (err.status === 403 || err.status === 404)) {
          // 403: blocked by the user / app uninstalled / bot not in the roster; 404: conversation gone.
          throw new AppError('UNREACHABLE', `bot-framework: connector answered ${err.status}`);
        }
        log.warn({ status: err instanceof ConnectorError ? err.status : undefined, retryAfterMs: err instanceof ConnectorError ? err.retryAfterMs : undefined }, 'bot-framework send failed; the outbox retries');
        throw err;
      }
    },

    canSend(contact) {
      return storedReference(contact.data)
        ? { allowed: 'yes' }
        : { allowed: 'no', reason: 'bot-framework: no conversation reference (the customer has not written to the bot)' };
    },
  };
}
