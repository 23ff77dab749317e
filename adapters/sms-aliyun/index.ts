import { createHash, timingSafeEqual } from 'node:crypto';
import * as Dysms from '@alicloud/dysmsapi20170525';
import { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import * as OpenApi from '@alicloud/openapi-client';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelContact,
  ChannelDefinition,
  ChannelDeps,
  ChannelEvent,
  InboundMessage,
  Permission,
  SendContext,
  WebhookRequest,
  WebhookResult,
} from '../../engine/channels.ts';
import type { OutboundMessage } from '../../engine/domain.ts';
import { AppError } from '../../engine/errors.ts';
import { sentParts } from '../channel-kit/sent-parts.ts';
import { keywordOf, maskPhone, smsParts, toE164 } from '../sms-twilio/sms-text.ts';

/**
 * SMS through Aliyun (阿里云短信, dysmsapi 2017-05-25). Outbound only as the approved template: every
 * message (reply or later) is SendSms {PhoneNumbers, SignName, TemplateCode, TemplateParam} with the text
 * in one template variable, split into a few sends when it is longer than the variable allows.
 * Inbound: 上行短信 (customer replies) by SmsUp HTTP batch push, a JSON array POSTed to the webhook;
 * Aliyun signs nothing, so the URL carries a secret (?token=…) compared in constant time.
 */

export const NAME = 'sms-aliyun';
/** The webhook path of the service's configuration contract. */
export const PATH = '/webhooks/sms/aliyun';
export const DEFAULT_ENDPOINT = 'dysmsapi.aliyuncs.com';

const ENV = [
  'ALIYUN_ACCESS_KEY_ID',
  'ALIYUN_ACCESS_KEY_SECRET',
  'ALIYUN_SMS_SIGN',
  'ALIYUN_SMS_TEMPLATE_CODE',
  'ALIYUN_SMS_TEMPLATE_PARAM',
  'ALIYUN_SMS_PARAM_MAX',
  'ALIYUN_SMS_MAX_PARTS',
  'ALIYUN_SMS_ENDPOINT',
  'ALIYUN_SMS_UPLINK_SECRET',
] as const;

/**
 * A template variable takes 35 characters by default (every character counts one: Chinese, letter, digit,
 * punctuation); Aliyun lifts that on request, up to the 500-character limit of a whole SMS. Each part is one
 * SendSms, at most ALIYUN_SMS_MAX_PARTS (default 3): notifications are limited to 50 a day per signature,
 * template and number.
 */
export const DEFAULT_PARAM_MAX = 35;
export const DEFAULT_MAX_PARTS = 3;

export const CAPABILITIES: ChannelCapabilities = { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: DEFAULT_PARAM_MAX, markup: 'plain' };

/** Replies that mean "stop texting me" on mainland SMS (退订, TD, T; promotional R). Not N: customers answer "N" for no. */
export const OPT_OUT = new Set(['退订', 'TD', 'T', 'R', '拒收', '取消订阅', 'UNSUBSCRIBE', 'STOP']);

/** Flow control: retry later, the outbox does that (minute, hour and day limits: waiting here would not help). */
const LIMIT_CODES = new Set(['isv.BUSINESS_LIMIT_CONTROL', 'isv.DAY_LIMIT_CONTROL']);
/** The number can never receive this: malformed or not a mobile. */
const UNREACHABLE_CODES = new Set(['isv.MOBILE_NUMBER_ILLEGAL']);
/** One quick retry for API throttling (QPS), waiting at most this long. */
const THROTTLE_WAIT_MAX_MS = 1000;

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  templateCode: string;
  templateParam: string;
  paramMax: number;
  maxParts: number;
  endpoint: string;
  protocol: 'HTTP' | 'HTTPS';
  /** null: no uplink (上行) webhook, outbound only. */
  uplinkSecret: string | null;
}

function fail(msg: string): never {
  throw new AppError('CONFIG_INVALID', msg);
}

function intVar(env: Readonly<Record<string, string | undefined>>, name: (typeof ENV)[number], dflt: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${name}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** Checks every variable; messages name the variable and never echo its value. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): AliyunSmsConfig {
  const req = (name: (typeof ENV)[number]) => env[name]?.trim() || fail(`${name}: missing`);
  const accessKeyId = req('ALIYUN_ACCESS_KEY_ID');
  if (!/^[A-Za-z0-9]{12,64}$/.test(accessKeyId)) fail('ALIYUN_ACCESS_KEY_ID: expected the AccessKey ID (letters and digits, e.g. LTAI…)');
  const accessKeySecret = req('ALIYUN_ACCESS_KEY_SECRET');
  if (!/^[A-Za-z0-9]{16,64}$/.test(accessKeySecret)) fail('ALIYUN_ACCESS_KEY_SECRET: expected the AccessKey secret (letters and digits)');
  const signName = req('ALIYUN_SMS_SIGN');
  if ([...signName].length > 20 || /[【】[\]]/.test(signName)) fail('ALIYUN_SMS_SIGN: expected the approved signature name without 【】, at most 20 characters');
  const templateCode = req('ALIYUN_SMS_TEMPLATE_CODE');
  if (!/^SMS_\d{4,20}$/.test(templateCode)) fail('ALIYUN_SMS_TEMPLATE_CODE: expected an approved template code like SMS_123456789');
  const templateParam = env['ALIYUN_SMS_TEMPLATE_PARAM']?.trim() || 'content';
  if (!/^[A-Za-z][A-Za-z0-9_]{0,24}$/.test(templateParam)) fail('ALIYUN_SMS_TEMPLATE_PARAM: expected a template variable name (letters, digits, "_", starting with a letter)');
  const paramMax = intVar(env, 'ALIYUN_SMS_PARAM_MAX', DEFAULT_PARAM_MAX, 20, 500);
  const maxParts = intVar(env, 'ALIYUN_SMS_MAX_PARTS', DEFAULT_MAX_PARTS, 1, 10);
  const rawEndpoint = env['ALIYUN_SMS_ENDPOINT']?.trim() || DEFAULT_ENDPOINT;
  const m = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(rawEndpoint);
  if (!m) fail('ALIYUN_SMS_ENDPOINT: expected a host name (dysmsapi.aliyuncs.com), host:port, or http(s)://host[:port]');
  const protocol = m[1] === 'http' ? 'HTTP' : 'HTTPS';
  const uplinkSecret = env['ALIYUN_SMS_UPLINK_SECRET']?.trim() || null;
  if (uplinkSecret && !/^[A-Za-z0-9._~-]{16,128}$/.test(uplinkSecret)) {
    fail('ALIYUN_SMS_UPLINK_SECRET: expected 16 to 128 URL-safe characters (letters, digits, . _ ~ -)');
  }
  return { accessKeyId, accessKeySecret, signName, templateCode, templateParam, paramMax, maxParts, endpoint: m[2]!, protocol, uplinkSecret };
}

/**
 * PhoneNumbers for SendSms: a mainland mobile as its 11 digits; any other number as country code and
 * number without "+" (852…, 886…), as the API documents. Null when the id is no phone number.
 */
export function toAliyunNumber(id: string): string | null {
  const compact = id.normalize('NFKC').replace(/[\s\-()]/g, '');
  const mainland = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(compact);
  if (mainland) return mainland[1]!;
  const intl = /^(?:\+|00)([1-9]\d{6,14})$/.exec(compact);
  return intl ? intl[1]! : null;
}

/** An uplink phone_number as E.164: mainland mobiles come as 11 digits. */
export function uplinkToE164(phone: string): string | null {
  const compact = phone.replace(/[\s-]/g, '');
  const mainland = /^(?:\+?86|0086)?(1[3-9]\d{9})$/.exec(compact);
  if (mainland) return `+86${mainland[1]}`;
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return compact;
  if (/^00[1-9]\d{6,14}$/.test(compact)) return `+${compact.slice(2)}`;
  return null;
}

/** Uplink send_time ("2017-09-08 15:25:13", Beijing time) as an ISO instant; null when it is not that shape. */
function beijingIso(sendTime: unknown): string | null {
  if (typeof sendTime !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(sendTime.trim());
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const unauthorized = (why: string): never => {
  throw new AppError('UNAUTHORIZED', `${NAME}: ${why}`);
};
const badRequest = (why: string): never => {
  throw new AppError('BAD_REQUEST', `${NAME}: ${why}`);
};

// The package is CommonJS with `exports.default = Client`: Node's ESM loader hands out module.exports as
// the default import, bundlers (vitest) the class itself. Take whichever is the constructor.
type SmsClientClass = typeof Dysms.default.default;
const dysmsDefault = (Dysms as unknown as { default: unknown }).default;
const SmsClient = (typeof dysmsDefault === 'function' ? dysmsDefault : (dysmsDefault as { default: unknown }).default) as SmsClientClass;

/** Where a number's 退订 is kept (shared by every instance, no expiry). */
const optOutKey = (e164: string) => `${NAME}:opted-out:${e164}`;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Square brackets 【】 in a variable read as a second signature and get templates refused: plain ones instead. */
const variableSafe = (s: string) => s.replace(/【/g, '[').replace(/】/g, ']');

interface AliyunErrorLike {
  code?: string;
  statusCode?: number;
  retryAfter?: number;
}

export function createAliyunSms(cfg: AliyunSmsConfig, deps: ChannelDeps): ChannelAdapter {
  const client = new SmsClient(
    new OpenApi.Config({
      accessKeyId: cfg.accessKeyId,
      accessKeySecret: cfg.accessKeySecret,
      endpoint: cfg.endpoint,
      protocol: cfg.protocol,
      connectTimeout: 5000,
      readTimeout: 10_000,
    }),
  );
  const log = deps.log;
  const expectedToken = cfg.uplinkSecret ? sha256(cfg.uplinkSecret) : null;

  async function webhook(req: WebhookRequest): Promise<WebhookResult> {
    // Aliyun signs no uplink push: the secret in the URL is the only proof, checked before the body is read.
    let token: string | null = null;
    try {
      token = new URL(req.url).searchParams.get('token');
    } catch {
      token = null;
    }
    if (!token || !expectedToken) return unauthorized('token missing');
    // Hashes have equal lengths, so timingSafeEqual compares in constant time whatever was sent.
    if (!timingSafeEqual(sha256(token), expectedToken)) return unauthorized('token does not match');

    if (req.method.toUpperCase() !== 'POST') return badRequest('expected POST');
    let items: unknown;
    try {
      items = JSON.parse(req.body);
    } catch {
      return badRequest('body is not JSON');
    }
    if (!Array.isArray(items)) return badRequest('expected a JSON array of uplink messages');
    // Every item is checked before any is acted on: a malformed push changes nothing and is re-pushed whole.
    const uplinks: Array<{ seq: string; phone: string; text: string; at: string }> = [];
    let otherSign = 0;
    for (const item of items) {
      if (!item || typeof item !== 'object') return badRequest('uplink item is not an object');
      const it = item as Record<string, unknown>;
      const seq = it['sequence_id'];
      if ((typeof seq !== 'number' && typeof seq !== 'string') || !/^\d{1,20}$/.test(String(seq))) return badRequest('sequence_id missing');
      const phone = typeof it['phone_number'] === 'string' ? uplinkToE164(it['phone_number']) : null;
      if (!phone) return badRequest('phone_number missing or malformed');
      if (typeof it['content'] !== 'string') return badRequest('content missing');
      const sign = typeof it['sign_name'] === 'string' ? it['sign_name'].replace(/[【】]/g, '').trim() : '';
      // A reply to another signature's SMS on the same Aliyun account is not ours to answer.
      if (sign && sign !== cfg.signName) {
        otherSign++;
        continue;
      }
      uplinks.push({ seq: String(seq), phone, text: it['content'].trim(), at: beijingIso(it['send_time']) ?? deps.now().toISOString() });
    }
    const messages: InboundMessage[] = [];
    const events: ChannelEvent[] = [];
    for (const { seq, phone, text, at } of uplinks) {
      if (OPT_OUT.has(keywordOf(text))) {
        events.push({ channelUserId: phone, type: 'opted_out', at });
        await deps.kv.set(optOutKey(phone), at);
        log.info({ from: maskPhone(phone) }, 'customer unsubscribed from SMS (退订)');
        continue;
      }
      if (!text) continue;
      // Writing again after 退订 makes them reachable again: they asked for an answer.
      if (await deps.kv.get(optOutKey(phone))) {
        await deps.kv.set(optOutKey(phone), '', 1);
        events.push({ channelUserId: phone, type: 'opted_in', at });
      }
      messages.push({ channel: NAME, channelUserId: phone, text, messageId: seq, timestamp: at, localeHint: 'zh-CN' });
    }
    if (otherSign) log.info({ count: otherSign }, 'uplink messages for another signature skipped');
    return {
      messages,
      ...(events.length ? { events } : {}),
      response: { status: 200, body: JSON.stringify({ code: 0, msg: '接收成功' }), headers: { 'content-type': 'application/json; charset=utf-8' } },
    };
  }

  async function sendOne(phoneNumbers: string, value: string): Promise<string> {
    const request = new SendSmsRequest({
      phoneNumbers,
      signName: cfg.signName,
      templateCode: cfg.templateCode,
      templateParam: JSON.stringify({ [cfg.templateParam]: value }),
    });
    for (let attempt = 1; ; attempt++) {
      let body;
      try {
        body = (await client.sendSms(request)).body;
      } catch (err) {
        const e = err as AliyunErrorLike;
        const code = typeof e.code === 'string' ? e.code : undefined;
        if (attempt === 1 && code?.startsWith('Throttling')) {
          // retryAfter: the x-acs-retry-after header, in milliseconds (as the SDK's own retry policy reads it).
          const wait = Math.min(THROTTLE_WAIT_MAX_MS, Math.max(100, e.retryAfter ?? 0));
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        log.warn({ to: maskPhone(phoneNumbers), status: e.statusCode, code }, 'Aliyun SendSms failed');
        throw new Error(`${NAME}: SendSms failed (${e.statusCode ? `HTTP ${e.statusCode}` : 'network error'}${code ? `, ${code}` : ''})`);
      }
      const code = body?.code ?? 'unknown';
      if (code === 'OK') return body?.bizId ?? '';
      if (UNREACHABLE_CODES.has(code)) throw new AppError('UNREACHABLE', `${NAME}: ${code}`);
      if (LIMIT_CODES.has(code)) {
        log.warn({ to: maskPhone(phoneNumbers), code }, 'Aliyun SMS flow control: the outbox retries later');
        throw new Error(`${NAME}: flow control (${code}), retry later`);
      }
      log.warn({ to: maskPhone(phoneNumbers), code }, 'Aliyun SendSms refused');
      throw new Error(`${NAME}: SendSms refused (${code})`);
    }
  }

  async function send(channelUserId: string, message: OutboundMessage, ctx: SendContext): Promise<void> {
    const phone = toAliyunNumber(channelUserId);
    if (!phone) throw new AppError('UNREACHABLE', `${NAME}: not a phone number that can be texted`);
    // Aliyun does not stop notifications to a number that replied 退订: this channel keeps the list itself
    // (the SMS fallback reaches here with the phone number, whatever its own conversation knows).
    const e164 = toE164(channelUserId);
    if (e164 && (await deps.kv.get(optOutKey(e164)))) throw new AppError('UNREACHABLE', `${NAME}: the customer replied 退订`);
    // Every send is the approved template (ctx.template or not): the text goes into its one variable.
    const parts = smsParts(message, {
      limit: cfg.paramMax,
      maxParts: cfg.maxParts,
      locale: ctx.locale ?? 'zh-CN',
    }).map(variableSafe);
    const sent = sentParts(deps, NAME, ctx.effectId);
    for (const [i, part] of parts.entries()) {
      if (await sent.done(i)) continue; // sent by an earlier attempt of this outbox entry
      const bizId = await sendOne(phone, part);
      await sent.mark(i, bizId || 'sent');
    }
  }

  /** Only approved templates can go, at any time, unless the customer unsubscribed. */
  function canSend(contact: ChannelContact): Permission {
    if (contact.unreachable) return { allowed: 'no', reason: `${NAME}: ${contact.unreachable.reason}` };
    return { allowed: 'template' };
  }

  const capabilities: ChannelCapabilities = { ...CAPABILITIES, maxLength: cfg.paramMax };
  return {
    name: NAME,
    capabilities,
    ...(cfg.uplinkSecret ? { path: PATH, webhook } : {}),
    send,
    canSend,
  };
}

export const definition: ChannelDefinition = {
  name: NAME,
  env: ENV,
  create: (env, deps) => createAliyunSms(readConfig(env), deps),
};
