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
  SendKind,
  WebhookRequest,
  WebhookResult,
} from '../../engine/channels.ts';
import type { OutboundMessage } from '../../engine/domain.ts';
import { AppError } from '../../engine/errors.ts';
import { sentParts } from '../channel-kit/sent-parts.ts';
import { present, splitText } from '../channel-kit/present.ts';
import { aesKeyFrom, sameString, signatureMatches, wxDecrypt, wxSignature } from '../channel-kit/wx-crypto.ts';
import { extractEncrypt, parseWxXml } from '../channel-kit/wx-xml.ts';
import { WxApi, WxApiError, apiBase } from './wx-api.ts';

/**
 * WeChat Official Account (服务号). Inbound: GET URL verification and POST pushes, plain or safe (AES)
 * mode, answered "success" at once (the engine commits the turn first, which takes milliseconds, well
 * inside WeChat's 5 s); replies and later messages go through the customer-service API
 * (/cgi-bin/message/custom/send), allowed for 48 h after the customer's last message and 5 messages;
 * outside that window, as the configured template message, or not at all (the engine then tries SMS).
 */

export const NAME = 'wechat-oa';
/** The webhook path of the service's configuration contract. */
export const PATH = '/webhooks/wechat';
export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';
export const WINDOW_MS = 48 * 60 * 60 * 1000;
export const WINDOW_MESSAGES = 5;

const ENV = ['WECHAT_APP_ID', 'WECHAT_APP_SECRET', 'WECHAT_TOKEN', 'WECHAT_AES_KEY', 'WECHAT_TEMPLATE_ID', 'WECHAT_API_BASE'] as const;

/**
 * Customer-service text has no buttons: choices become numbered options. The API takes about 2048 bytes
 * of text; 600 characters keeps even all-CJK text (3 bytes each) well inside that and reads well on a phone.
 */
export const CAPABILITIES: ChannelCapabilities = { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: 600, markup: 'plain' };

/** What a non-text message becomes, so the bot can say it reads only text. */
const PLACEHOLDER: Record<string, string> = {
  image: '[image]',
  voice: '[voice]',
  video: '[video]',
  shortvideo: '[video]',
  location: '[location]',
  link: '[link]',
  file: '[file]',
};

/** The platform said the customer can't be reached: unfollowed (43004), unknown openid (40003), blacklisted (43019). */
const UNREACHABLE_CODES = new Set([43004, 40003, 43019]);
/** Outside the customer-service window: out of time (45015), out of messages (45047). */
const WINDOW_CODES = new Set([45015, 45047]);
/** Longest keyword value put in a template field; longer texts are cut with an ellipsis. */
const TEMPLATE_VALUE_MAX = 200;

export interface WechatOaConfig {
  appId: string;
  appSecret: string;
  token: string;
  aesKey: Buffer | null;
  templateId: string | null;
  apiBase: string;
}

function fail(msg: string): never {
  throw new AppError('CONFIG_INVALID', msg);
}

/** Checks every variable; messages name the variable and never echo its value. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): WechatOaConfig {
  const req = (name: (typeof ENV)[number]) => env[name]?.trim() || fail(`${name}: missing`);
  const appId = req('WECHAT_APP_ID');
  if (!/^wx[0-9a-zA-Z]{16}$/.test(appId)) fail('WECHAT_APP_ID: expected "wx" followed by 16 letters or digits');
  const appSecret = req('WECHAT_APP_SECRET');
  if (!/^[0-9a-zA-Z]{32}$/.test(appSecret)) fail('WECHAT_APP_SECRET: expected 32 letters or digits');
  const token = req('WECHAT_TOKEN');
  if (!/^[0-9a-zA-Z]{3,32}$/.test(token)) fail('WECHAT_TOKEN: expected 3 to 32 letters or digits');
  const rawKey = env['WECHAT_AES_KEY']?.trim();
  const aesKey = rawKey ? aesKeyFrom(rawKey) : null;
  if (rawKey && !aesKey) fail('WECHAT_AES_KEY: expected the 43-character EncodingAESKey (letters and digits)');
  const templateId = env['WECHAT_TEMPLATE_ID']?.trim() || null;
  if (templateId && !/^[0-9a-zA-Z_-]{1,128}$/.test(templateId)) fail('WECHAT_TEMPLATE_ID: expected letters, digits, "_" or "-"');
  return { appId, appSecret, token, aesKey, templateId, apiBase: apiBase(env['WECHAT_API_BASE'], DEFAULT_API_BASE, 'WECHAT_API_BASE', fail) };
}

const unauthorized = (why: string): never => {
  throw new AppError('UNAUTHORIZED', `wechat-oa: ${why}`);
};
const badRequest = (why: string): never => {
  throw new AppError('BAD_REQUEST', `wechat-oa: ${why}`);
};

function isoFromSeconds(s: string | undefined): string {
  if (!s || !/^\d{1,12}$/.test(s)) return badRequest('CreateTime missing or not a number');
  return new Date(Number(s) * 1000).toISOString();
}

/** Template data from a message: first sentence, the whole text, and numbered options if it had choices. */
export function templateData(message: OutboundMessage, locale: SendContext['locale']): Record<string, { value: string }> {
  const cut = (s: string) => ([...s].length > TEMPLATE_VALUE_MAX ? `${[...s].slice(0, TEMPLATE_VALUE_MAX - 1).join('')}…` : s);
  const text = message.text.trim();
  const first = splitText(text, 60)[0] ?? text;
  const options = present({ text: '', ...(message.quickReplies ? { quickReplies: message.quickReplies } : {}) }, CAPABILITIES, locale ?? 'zh-CN')
    .texts.join('\n')
    .trim();
  return { first: { value: cut(first) }, keyword1: { value: cut(text) }, remark: { value: cut(options) } };
}

export function createWechatOa(cfg: WechatOaConfig, deps: ChannelDeps): ChannelAdapter {
  const api: WxApi = new WxApi({
    base: cfg.apiBase,
    tokenKey: `${NAME}:access-token:${cfg.appId}`,
    deps,
    // stable_token: every instance gets the same token, and fetching it does not invalidate the one in use.
    async fetchToken(rejected): Promise<{ token: string; expiresIn: number }> {
      const get = async (force: boolean): Promise<{ token: string; expiresIn: number }> => {
        const r = await api.raw('/cgi-bin/stable_token', {
          body: { grant_type: 'client_credential', appid: cfg.appId, secret: cfg.appSecret, force_refresh: force },
        });
        const token = r['access_token'];
        if (typeof token !== 'string' || !token) throw new Error('/cgi-bin/stable_token: no access_token in the answer');
        return { token, expiresIn: typeof r['expires_in'] === 'number' ? r['expires_in'] : 7200 };
      };
      const t = await get(false);
      return rejected && t.token === rejected ? get(true) : t;
    },
  });

  function parse(x: Record<string, string>): Omit<WebhookResult, 'response'> {
    const from = x['FromUserName'] || badRequest('FromUserName missing');
    const type = x['MsgType'] || badRequest('MsgType missing');
    const timestamp = isoFromSeconds(x['CreateTime']);
    if (type === 'event') {
      const event = (x['Event'] ?? '').toLowerCase();
      const events: ChannelEvent[] = [];
      if (event === 'unsubscribe') events.push({ channelUserId: from, type: 'blocked', at: timestamp });
      if (event === 'subscribe') events.push({ channelUserId: from, type: 'opted_in', at: timestamp });
      return { messages: [], events };
    }
    const text = type === 'text' ? (x['Content'] ?? '') : type === 'voice' && x['Recognition']?.trim() ? x['Recognition'] : PLACEHOLDER[type];
    if (text === undefined || !text.trim()) return { messages: [] };
    const msgId = x['MsgId'] || x['MsgID'];
    const message: InboundMessage = {
      channel: NAME,
      channelUserId: from,
      text,
      // MsgId dedupes a retried push; events and id-less pushes by sender + time (CHANNELS.md §0.1).
      messageId: msgId && /^\d{1,20}$/.test(msgId) ? msgId : `${from}:${x['CreateTime']}`,
      timestamp,
    };
    return { messages: [message] };
  }

  async function webhook(req: WebhookRequest): Promise<WebhookResult> {
    let q: URLSearchParams;
    try {
      q = new URL(req.url).searchParams;
    } catch {
      return unauthorized('no signature');
    }
    const timestamp = q.get('timestamp') ?? '';
    const nonce = q.get('nonce') ?? '';
    // 1. The query signature, present on every GET and POST, plain or safe mode; nothing is read before it.
    if (!signatureMatches(q.get('signature'), wxSignature(cfg.token, timestamp, nonce))) unauthorized('bad or missing signature');
    const method = req.method.toUpperCase();
    if (method === 'GET') {
      const echostr = q.get('echostr') ?? badRequest('echostr missing');
      return { messages: [], response: { status: 200, body: echostr, headers: { 'content-type': 'text/plain; charset=utf-8' } } };
    }
    if (method !== 'POST') badRequest(`method ${method} not accepted`);
    let xml = req.body;
    if (cfg.aesKey) {
      // 2. Safe mode: the body's signature (msg_signature over Encrypt) and the AppID inside the plaintext.
      if (q.get('encrypt_type') !== 'aes') unauthorized('unencrypted push refused in safe mode');
      const msgSignature = q.get('msg_signature') ?? unauthorized('msg_signature missing');
      const encrypted = extractEncrypt(req.body) ?? badRequest('no Encrypt element');
      if (!signatureMatches(msgSignature, wxSignature(cfg.token, timestamp, nonce, encrypted))) unauthorized('bad msg_signature');
      const plain = wxDecrypt(cfg.aesKey, encrypted) ?? unauthorized('Encrypt does not decrypt with WECHAT_AES_KEY');
      if (!sameString(plain.receiveId, cfg.appId)) unauthorized('encrypted for another AppID');
      xml = plain.message;
    }
    const fields = parseWxXml(xml);
    if (!cfg.aesKey && !fields['MsgType'] && fields['Encrypt']) badRequest('encrypted push, but WECHAT_AES_KEY is not set');
    return { ...parse(fields), response: { status: 200, body: 'success', headers: { 'content-type': 'text/plain; charset=utf-8' } } };
  }

  async function sendTemplate(openid: string, message: OutboundMessage, ctx: SendContext): Promise<void> {
    if (!cfg.templateId) throw new Error('wechat-oa: a template message was asked for but WECHAT_TEMPLATE_ID is not set');
    try {
      await api.call('/cgi-bin/message/template/send', {
        touser: openid,
        template_id: cfg.templateId,
        data: templateData(message, ctx.locale),
        // Same openid + client_msg_id within 10 minutes: sent once (the template API's own retry key).
        ...(ctx.effectId ? { client_msg_id: ctx.effectId.slice(0, 64) } : {}),
      });
    } catch (err) {
      if (err instanceof WxApiError && UNREACHABLE_CODES.has(err.errcode)) {
        throw new AppError('UNREACHABLE', `wechat-oa: customer unreachable (errcode ${err.errcode})`);
      }
      throw err;
    }
  }

  async function send(openid: string, message: OutboundMessage, ctx: SendContext): Promise<void> {
    if (ctx.template) return sendTemplate(openid, message, ctx);
    const { texts } = present(message, CAPABILITIES, ctx.locale ?? 'zh-CN');
    const sent = sentParts(deps, `${NAME}:${cfg.appId}`, ctx.effectId);
    for (const [i, content] of texts.entries()) {
      if (await sent.done(i)) continue;
      try {
        await api.call('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'text', text: { content } });
      } catch (err) {
        if (err instanceof WxApiError && UNREACHABLE_CODES.has(err.errcode)) {
          throw new AppError('UNREACHABLE', `wechat-oa: customer unreachable (errcode ${err.errcode})`);
        }
        if (err instanceof WxApiError && WINDOW_CODES.has(err.errcode) && cfg.templateId && ctx.mode === 'push') {
          // Our count of the window disagreed with WeChat's: what remains goes as the template instead.
          deps.log.info({ channel: NAME, errcode: err.errcode }, 'customer-service window closed; sending as template');
          return sendTemplate(openid, { text: texts.slice(i).join('\n') }, ctx);
        }
        throw err;
      }
      await sent.mark(i);
    }
  }

  function canSend(contact: ChannelContact, _kind: SendKind, now: Date): Permission {
    if (contact.unreachable) return { allowed: 'no', reason: `${NAME}: ${contact.unreachable.reason}` };
    const last = contact.lastInboundAt ? Date.parse(contact.lastInboundAt) : NaN;
    const age = now.getTime() - last;
    const inWindow = Number.isFinite(last) && age < WINDOW_MS;
    if (inWindow && contact.sentSinceInbound < WINDOW_MESSAGES) return { allowed: 'yes' };
    if (cfg.templateId) return { allowed: 'template' };
    const why = !Number.isFinite(last)
      ? 'the customer has not written'
      : inWindow
        ? `${WINDOW_MESSAGES} messages already sent since the customer last wrote`
        : '48 h since the customer last wrote';
    return { allowed: 'no', reason: `${NAME}: ${why} and no template is configured` };
  }

  return { name: NAME, capabilities: CAPABILITIES, path: PATH, webhook, send, canSend };
}

export const definition: ChannelDefinition = {
  name: NAME,
  env: ENV,
  create: (env, deps) => createWechatOa(readConfig(env), deps),
};
