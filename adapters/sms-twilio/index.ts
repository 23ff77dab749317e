import twilio from 'twilio';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelContact,
  ChannelDefinition,
  ChannelDeps,
  InboundMessage,
  Permission,
  SendContext,
  WebhookRequest,
  WebhookResult,
} from '../../engine/channels.ts';
import type { OutboundMessage } from '../../engine/domain.ts';
import type { Locale } from '../../engine/packs/schema.ts';
import { AppError } from '../../engine/errors.ts';
import { sentParts } from '../channel-kit/sent-parts.ts';
import { isGsm7, keywordOf, maskPhone, smsParts, toE164 } from './sms-text.ts';

/**
 * SMS through Twilio. Inbound: the form-encoded webhook Twilio POSTs for each message, checked with
 * twilio's own validateRequest (HMAC-SHA1 over the public URL and the sorted parameters) before anything
 * is read; STOP & co. become an opt-out event and START & co. an opt-in event, neither reaches the bot;
 * HELP/INFO is answered in the TwiML response with a short help text. Outbound: messages.create through
 * the twilio SDK (autoRetry on 429, bounded), one REST call per part.
 */

export const NAME = 'sms-twilio';
/** The webhook path of the service's configuration contract. */
export const PATH = '/webhooks/sms/twilio';
export const DEFAULT_API_BASE = 'https://api.twilio.com';

const ENV = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_FROM',
  'TWILIO_MESSAGING_SERVICE_SID',
  'TWILIO_API_BASE',
  'TWILIO_MAX_PARTS',
  'TWILIO_HELP_TEXT',
] as const;

/**
 * Longest part: 2 concatenated segments, i.e. 306 GSM-7 characters (2 × 153) or 134 UCS-2 characters
 * (2 × 67) for Chinese and anything else outside GSM-7. Parts are separate messages, at most
 * TWILIO_MAX_PARTS (default 3); a longer text is cut at a sentence end and marked, options kept whole.
 */
export const GSM7_PART = 306;
export const UCS2_PART = 134;
export const DEFAULT_MAX_PARTS = 3;

/** No buttons on SMS: choices become numbered options. maxLength is the GSM-7 part; Chinese parts are 134. */
// A long code sends about 1 segment/s; Twilio queues short bursts itself.
export const CAPABILITIES: ChannelCapabilities = {
  choices: 'none',
  maxButtons: 0,
  maxButtonLabel: 0,
  maxLength: GSM7_PART,
  markup: 'plain',
  rate: { perSecond: 1, burst: 10, perCustomerPerSecond: 1, customerBurst: 5 },
};

/** Twilio's standard opt-out, opt-in and help keywords (whole message, any case). */
export const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
export const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);
export const HELP = new Set(['HELP', 'INFO']);

const DEFAULT_HELP_TEXT =
  'Complaint service: text us your question or complaint and we will reply here. Reply STOP to unsubscribe. 投诉服务：直接回复您的问题即可。回复 STOP 退订。';

/** Send errors that mean this number can't be texted: unsubscribed (21610), not a valid number (21211), not a mobile (21614). */
const UNREACHABLE_CODES = new Set([21610, 21211, 21614]);

/** Bounded retry of 429 inside the SDK: at most 3 more tries, each waiting at most 2 s (full-jitter backoff). */
const MAX_RETRIES = 3;
const MAX_RETRY_DELAY_MS = 2000;
const REQUEST_TIMEOUT_MS = 10_000;
/** How long a sent part of an outbox entry is remembered, so a retried entry does not send it again. */

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string | null;
  messagingServiceSid: string | null;
  apiBase: string;
  maxParts: number;
  /** null: answer HELP with an empty TwiML (Twilio's own auto-reply, if on, is the only answer). */
  helpText: string | null;
}

function fail(msg: string): never {
  throw new AppError('CONFIG_INVALID', msg);
}

/** Checks every variable; messages name the variable and never echo its value. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): TwilioConfig {
  const val = (name: (typeof ENV)[number]) => env[name]?.trim() || undefined;
  const accountSid = val('TWILIO_ACCOUNT_SID') ?? fail('TWILIO_ACCOUNT_SID: missing');
  if (!/^AC[0-9a-f]{32}$/.test(accountSid)) fail('TWILIO_ACCOUNT_SID: expected "AC" followed by 32 lower-case hex digits');
  const authToken = val('TWILIO_AUTH_TOKEN') ?? fail('TWILIO_AUTH_TOKEN: missing');
  if (!/^[0-9a-fA-F]{32}$/.test(authToken)) fail('TWILIO_AUTH_TOKEN: expected the 32 hex digits of the account auth token');
  const from = val('TWILIO_FROM') ?? null;
  if (from && !/^\+[1-9]\d{6,14}$/.test(from)) fail('TWILIO_FROM: expected a phone number in E.164 form (+ then 7 to 15 digits)');
  const messagingServiceSid = val('TWILIO_MESSAGING_SERVICE_SID') ?? null;
  if (messagingServiceSid && !/^MG[0-9a-f]{32}$/.test(messagingServiceSid)) {
    fail('TWILIO_MESSAGING_SERVICE_SID: expected "MG" followed by 32 lower-case hex digits');
  }
  if (!from && !messagingServiceSid) fail('TWILIO_FROM: missing (set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID)');
  const rawBase = val('TWILIO_API_BASE') ?? DEFAULT_API_BASE;
  let apiBase: string;
  try {
    const u = new URL(rawBase);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.search || u.hash || u.username) throw new Error();
    apiBase = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    fail('TWILIO_API_BASE: expected an http(s) URL such as https://api.twilio.com');
  }
  const rawParts = val('TWILIO_MAX_PARTS');
  const maxParts = rawParts === undefined ? DEFAULT_MAX_PARTS : Number(rawParts);
  if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 10) fail('TWILIO_MAX_PARTS: expected a whole number from 1 to 10');
  const rawHelp = val('TWILIO_HELP_TEXT');
  const helpText = rawHelp === undefined ? DEFAULT_HELP_TEXT : rawHelp.toLowerCase() === 'none' ? null : rawHelp;
  if (helpText && [...helpText].length > 320) fail('TWILIO_HELP_TEXT: longer than 320 characters');
  return { accountSid, authToken, from, messagingServiceSid, apiBase, maxParts, helpText };
}

/**
 * The twilio SDK has no base-URL option (api.twilio.com is hard-coded): this request client keeps its
 * retry and auth behaviour and only moves each request to the configured base (a local fake in tests).
 */
type RequestOptions<TData> = import('twilio/lib/base/RequestClient.js').RequestOptions<TData>;

class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: string,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<TData>(opts: RequestOptions<TData>) {
    if (this.base === DEFAULT_API_BASE) return super.request<TData>(opts);
    const u = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: `${this.base}${u.pathname}${u.search}` });
  }
}

const unauthorized = (why: string): never => {
  throw new AppError('UNAUTHORIZED', `${NAME}: ${why}`);
};
const badRequest = (why: string): never => {
  throw new AppError('BAD_REQUEST', `${NAME}: ${why}`);
};

/** Form parameters as Twilio signs them: repeated keys become arrays. */
function formParams(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const LOCALE_BY_COUNTRY: Record<string, Locale> = {
  CN: 'zh-CN',
  TW: 'zh-TW',
  HK: 'zh-TW',
  MO: 'zh-TW',
  US: 'en',
  CA: 'en',
  GB: 'en',
  AU: 'en',
  NZ: 'en',
  IE: 'en',
};

const twiml = (message?: string): WebhookResult['response'] => {
  const r = new twilio.twiml.MessagingResponse();
  if (message) r.message(message);
  return { status: 200, body: r.toString(), headers: { 'content-type': 'text/xml; charset=utf-8' } };
};

interface TwilioErrorLike {
  status?: number;
  code?: number;
}

export function createTwilio(cfg: TwilioConfig, deps: ChannelDeps): ChannelAdapter {
  const httpClient = new BaseUrlRequestClient(cfg.apiBase, {
    autoRetry: true,
    maxRetries: MAX_RETRIES,
    maxRetryDelay: MAX_RETRY_DELAY_MS,
    timeout: REQUEST_TIMEOUT_MS,
  });
  const client = twilio(cfg.accountSid, cfg.authToken, { httpClient });
  const log = deps.log;

  async function webhook(req: WebhookRequest): Promise<WebhookResult> {
    const signature = req.headers['x-twilio-signature'];
    if (!signature) return unauthorized('X-Twilio-Signature missing');
    const params = formParams(req.body);
    let valid = false;
    try {
      // Constant-time comparison inside (crypto.timingSafeEqual on equal lengths).
      valid = twilio.validateRequest(cfg.authToken, signature, req.url, params);
    } catch {
      valid = false;
    }
    if (!valid) return unauthorized('X-Twilio-Signature does not match');

    if (req.method.toUpperCase() !== 'POST') return badRequest('expected POST');
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded')) return badRequest('expected a form-encoded body');
    const one = (k: string): string | undefined => {
      const v = params[k];
      return Array.isArray(v) ? v[0] : v;
    };
    const sid = one('MessageSid') ?? one('SmsSid');
    if (!sid || !/^(SM|MM)[0-9a-f]{32}$/.test(sid)) return badRequest('MessageSid missing or malformed');
    const from = one('From');
    if (!from) return badRequest('From missing');
    if (one('AccountSid') !== cfg.accountSid) return badRequest('AccountSid is not this account');
    const at = deps.now().toISOString();
    const body = (one('Body') ?? '').trim();
    const keyword = keywordOf(body);

    if (OPT_OUT.has(keyword)) {
      log.info({ from: maskPhone(from) }, 'customer opted out of SMS');
      return { messages: [], events: [{ channelUserId: from, type: 'opted_out', at }], response: twiml() };
    }
    if (OPT_IN.has(keyword)) {
      log.info({ from: maskPhone(from) }, 'customer opted in to SMS again');
      return { messages: [], events: [{ channelUserId: from, type: 'opted_in', at }], response: twiml() };
    }
    if (HELP.has(keyword)) return { messages: [], response: twiml(cfg.helpText ?? undefined) };

    let text = body;
    if (!text) {
      const media = Number(one('NumMedia') ?? '0');
      // Media only (MMS): a placeholder, so the bot can say it reads only text. An empty SMS: nothing.
      if (media > 0) text = (one('MediaContentType0') ?? '').startsWith('image/') ? '[image]' : '[media]';
      else return { messages: [], response: twiml() };
    }
    const to = one('To');
    const localeHint = LOCALE_BY_COUNTRY[one('FromCountry') ?? ''];
    const message: InboundMessage = {
      channel: NAME,
      channelUserId: from,
      text,
      messageId: sid,
      timestamp: at,
      ...(localeHint ? { localeHint } : {}),
      // The number the customer texted: later messages come from it (unless a Messaging Service picks).
      ...(to && /^\+[1-9]\d{6,14}$/.test(to) ? { contact: { to } } : {}),
    };
    return { messages: [message], response: twiml() };
  }

  async function sendPart(to: string, body: string, contact: Record<string, unknown> | undefined): Promise<string> {
    const ourNumber = typeof contact?.['to'] === 'string' && /^\+[1-9]\d{6,14}$/.test(contact['to']) ? contact['to'] : null;
    const sender = cfg.messagingServiceSid
      ? { messagingServiceSid: cfg.messagingServiceSid, ...(cfg.from ? { from: cfg.from } : {}) }
      : { from: ourNumber ?? cfg.from! };
    try {
      const msg = await client.messages.create({ to, body, ...sender });
      return msg.sid;
    } catch (err) {
      const e = err as TwilioErrorLike;
      if (typeof e.code === 'number' && UNREACHABLE_CODES.has(e.code)) {
        log.info({ to: maskPhone(to), code: e.code }, 'Twilio says this number cannot be texted');
        throw new AppError('UNREACHABLE', `${NAME}: Twilio error ${e.code}`);
      }
      // Only the status and Twilio's code: its message can contain the phone number.
      const what = typeof e.status === 'number' ? `HTTP ${e.status}${e.code ? `, Twilio error ${e.code}` : ''}` : 'network error';
      log.warn({ to: maskPhone(to), status: e.status, code: e.code }, 'Twilio send failed');
      throw new Error(`${NAME}: send failed (${what})`);
    }
  }

  async function send(channelUserId: string, message: OutboundMessage, ctx: SendContext): Promise<void> {
    const to = channelUserId.startsWith('whatsapp:') ? channelUserId : toE164(channelUserId);
    if (!to) throw new AppError('UNREACHABLE', `${NAME}: not a phone number that can be texted`);
    // SMS has no template concept on Twilio: a template send (ctx.template, the SMS fallback) is plain text.
    const parts = smsParts(message, {
      limit: (whole) => (isGsm7(whole) ? GSM7_PART : UCS2_PART),
      maxParts: cfg.maxParts,
      locale: ctx.locale ?? 'zh-CN',
    });
    const sent = sentParts(deps, NAME, ctx.effectId);
    for (const [i, part] of parts.entries()) {
      if (await sent.done(i)) continue; // sent by an earlier attempt of this outbox entry
      const sid = await sendPart(to, part, ctx.contact);
      await sent.mark(i, sid);
    }
  }

  function canSend(contact: ChannelContact): Permission {
    if (contact.unreachable) return { allowed: 'no', reason: `${NAME}: ${contact.unreachable.reason}` };
    return { allowed: 'yes' };
  }

  return { name: NAME, capabilities: CAPABILITIES, path: PATH, webhook, send, canSend };
}

export const definition: ChannelDefinition = {
  name: NAME,
  env: ENV,
  create: (env, deps) => createTwilio(readConfig(env), deps),
};

