import { createHash } from 'node:crypto';
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
import { present } from '../channel-kit/present.ts';
import { aesKeyFrom, sameString, signatureMatches, wxDecrypt, wxSignature } from '../channel-kit/wx-crypto.ts';
import { extractEncrypt, parseWxXml } from '../channel-kit/wx-xml.ts';
import { WxApi, WxApiError, apiBase } from '../wechat-oa/wx-api.ts';

/**
 * WeCom 微信客服 (kf): WeChat users write to a customer-service account; WeCom calls back (always
 * encrypted, receiveid = CorpID) with only a `kf_msg_or_event` notice, and the messages themselves are
 * pulled with /cgi-bin/kf/sync_msg from a cursor kept per kf account in deps.kv. Replies go through
 * /cgi-bin/kf/send_msg, allowed for 48 h after the customer's last message and 5 messages, while the
 * session is new or with the bot; there is no template fallback.
 */

export const NAME = 'wecom-kf';
/** The webhook path of the service's configuration contract. */
export const PATH = '/webhooks/wecom';
export const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';
export const WINDOW_MS = 48 * 60 * 60 * 1000;
export const WINDOW_MESSAGES = 5;

const ENV = ['WECOM_CORP_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_AES_KEY', 'WECOM_API_BASE', 'WECOM_HANDOFF'] as const;

/** Text only, no buttons (kf menu messages exist but are not used); send_msg takes about 2048 bytes of text. */
export const CAPABILITIES: ChannelCapabilities = { choices: 'none', maxButtons: 0, maxButtonLabel: 0, maxLength: 600, markup: 'plain' };

/** sync_msg `origin`: 3 = the WeChat customer, 4 = a system event, 5 = a human servicer in the WeCom client. */
const ORIGIN_CUSTOMER = 3;
const ORIGIN_EVENT = 4;
const ORIGIN_SERVICER = 5;
/**
 * Session states (service_state): 0 new, 1 with the bot (API), 2 in the queue (待接入池), 3 with a human
 * servicer, 4 ended. send_msg works only in 0 and 1. A servicer's session_status_change `change_type`:
 * 1 took it from the queue, 2 passed it to another servicer, 3 ended it, 4 took back an ended one.
 */
const STATE_QUEUED = 2;
const STATE_HUMAN = 3;
const STATE_ENDED = 4;
const CHANGE_ENDED = 3;
const PAGE_LIMIT = 1000;
/** Pages read per callback at most; the next callback goes on from the stored cursor. */
const MAX_PAGES = 10;
/** A callback redelivered within this time restarts from the cursor its first delivery started from. */
const REPLAY_TTL_MS = 15 * 60 * 1000;
/** 95018 send msg session status invalid: the session is with a human, ended, or never opened. */
const SESSION_INVALID = 95018;

const PLACEHOLDER: Record<string, string> = {
  image: '[image]',
  voice: '[voice]',
  video: '[video]',
  file: '[file]',
  location: '[location]',
  link: '[link]',
  business_card: '[business card]',
  miniprogram: '[mini program]',
  channels: '[channels]',
  channels_shop_product: '[product]',
  channels_shop_order: '[order]',
};

export interface WecomKfConfig {
  corpId: string;
  secret: string;
  token: string;
  aesKey: Buffer;
  apiBase: string;
  /**
   * WECOM_HANDOFF: where a chat the bot hands off goes. Unset: this service's agents answer it through the
   * agent API. `pool`: WeCom's queue (待接入池), for servicers in the WeCom client. `servicer:USERID`: that servicer.
   */
  handoff?: { state: typeof STATE_QUEUED } | { state: typeof STATE_HUMAN; servicer: string };
}

function fail(msg: string): never {
  throw new AppError('CONFIG_INVALID', msg);
}

export function readConfig(env: Readonly<Record<string, string | undefined>>): WecomKfConfig {
  const req = (name: (typeof ENV)[number]) => env[name]?.trim() || fail(`${name}: missing`);
  const corpId = req('WECOM_CORP_ID');
  if (!/^w[wx][0-9a-zA-Z]{16}$/.test(corpId)) fail('WECOM_CORP_ID: expected "ww" followed by 16 letters or digits');
  const secret = req('WECOM_SECRET');
  if (!/^[0-9a-zA-Z_-]{16,64}$/.test(secret)) fail('WECOM_SECRET: expected the 微信客服 secret (letters, digits, "_" or "-")');
  const token = req('WECOM_TOKEN');
  if (!/^[0-9a-zA-Z]{1,32}$/.test(token)) fail('WECOM_TOKEN: expected up to 32 letters or digits');
  const aesKey = aesKeyFrom(req('WECOM_AES_KEY')) ?? fail('WECOM_AES_KEY: expected the 43-character EncodingAESKey (letters and digits)');
  const cfg: WecomKfConfig = { corpId, secret, token, aesKey, apiBase: apiBase(env['WECOM_API_BASE'], DEFAULT_API_BASE, 'WECOM_API_BASE', fail) };
  const handoff = env['WECOM_HANDOFF']?.trim();
  if (handoff === 'pool') cfg.handoff = { state: STATE_QUEUED };
  else if (handoff?.startsWith('servicer:')) {
    const servicer = handoff.slice('servicer:'.length);
    if (!/^[0-9a-zA-Z_.@-]{1,64}$/.test(servicer)) fail('WECOM_HANDOFF: expected the servicer\'s WeCom userid (letters, digits, "_", ".", "@" or "-") after the colon');
    cfg.handoff = { state: STATE_HUMAN, servicer };
  } else if (handoff) fail('WECOM_HANDOFF: expected pool, or servicer and a colon before the servicer\'s WeCom userid (unset: agents answer through this service)');
  return cfg;
}

const unauthorized = (why: string): never => {
  throw new AppError('UNAUTHORIZED', `wecom-kf: ${why}`);
};
const badRequest = (why: string): never => {
  throw new AppError('BAD_REQUEST', `wecom-kf: ${why}`);
};

const sha = (s: string) => createHash('sha256').update(s).digest('base64url');

/** A send_msg `msgid` for part `i` of an outbox entry: at most 32 bytes of [0-9a-zA-Z_-], unique per kf account. */
export function clientMsgId(effectId: string, i: number): string {
  return `${sha(effectId).slice(0, 26)}_${i}`;
}

interface KfItem {
  msgid?: unknown;
  open_kfid?: unknown;
  external_userid?: unknown;
  send_time?: unknown;
  origin?: unknown;
  msgtype?: unknown;
  text?: { content?: unknown };
  event?: { event_type?: unknown; external_userid?: unknown; change_type?: unknown };
}

export function createWecomKf(cfg: WecomKfConfig, deps: ChannelDeps): ChannelAdapter {
  const api: WxApi = new WxApi({
    base: cfg.apiBase,
    // One token per corp and secret (each WeCom app secret has its own token).
    tokenKey: `${NAME}:access-token:${cfg.corpId}:${sha(cfg.secret).slice(0, 12)}`,
    deps,
    async fetchToken(): Promise<{ token: string; expiresIn: number }> {
      const r = await api.raw('/cgi-bin/gettoken', { query: { corpid: cfg.corpId, corpsecret: cfg.secret } });
      const token = r['access_token'];
      if (typeof token !== 'string' || !token) throw new Error('/cgi-bin/gettoken: no access_token in the answer');
      return { token, expiresIn: typeof r['expires_in'] === 'number' ? r['expires_in'] : 7200 };
    },
  });

  const cursorKey = (openKfId: string) => `${NAME}:cursor:${cfg.corpId}:${openKfId}`;

  /** What a servicer in the WeCom client did: took the session, wrote, or ended it. */
  function toEvent(item: KfItem, before: number): ChannelEvent | null {
    const at = (typeof item.send_time === 'number' && Number.isFinite(item.send_time) ? new Date(item.send_time * 1000) : deps.now()).toISOString();
    if (item.origin === ORIGIN_SERVICER) {
      const { msgid, external_userid: user } = item;
      const text = item.msgtype === 'text' ? item.text?.content : typeof item.msgtype === 'string' ? PLACEHOLDER[item.msgtype] : undefined;
      if (typeof msgid !== 'string' || !msgid || typeof user !== 'string' || !user || typeof text !== 'string' || !text.trim()) return null;
      return { channelUserId: user, type: 'human_message', text, messageId: msgid, at, before };
    }
    const e = item.event;
    if (item.origin !== ORIGIN_EVENT || item.msgtype !== 'event' || !e || e.event_type !== 'session_status_change') return null;
    if (typeof e.external_userid !== 'string' || !e.external_userid || typeof e.change_type !== 'number') return null;
    // Its msgid too: a redelivered callback pulls it again, and the engine must not apply it twice.
    const id = typeof item.msgid === 'string' && item.msgid ? { messageId: item.msgid } : {};
    return { channelUserId: e.external_userid, type: e.change_type === CHANGE_ENDED ? 'human_ended' : 'human_took_over', at, before, ...id };
  }

  function toMessage(item: KfItem): InboundMessage | null {
    if (item.origin !== ORIGIN_CUSTOMER) return null;
    const { msgid, external_userid: user, open_kfid: kf, send_time: sent, msgtype } = item;
    if (typeof msgid !== 'string' || !msgid || typeof user !== 'string' || !user || typeof kf !== 'string' || !kf) return null;
    const text = msgtype === 'text' ? item.text?.content : typeof msgtype === 'string' ? PLACEHOLDER[msgtype] : undefined;
    if (typeof text !== 'string' || !text.trim()) return null;
    const at = typeof sent === 'number' && Number.isFinite(sent) ? new Date(sent * 1000) : deps.now();
    return { channel: NAME, channelUserId: user, text, messageId: msgid, timestamp: at.toISOString(), contact: { open_kfid: kf } };
  }

  /**
   * Pulls what the callback announced. The cursor is stored after the pull; a redelivered callback (the
   * engine failed, WeCom retries) starts again from where its first delivery started, and the engine
   * drops the messages it already has by msgid, so nothing acknowledged is lost.
   */
  async function pull(openKfId: string, callbackToken: string, replayId: string): Promise<{ messages: InboundMessage[]; events: ChannelEvent[] }> {
    const replayKey = `${NAME}:callback:${replayId}`;
    const replayed = await deps.kv.get(replayKey);
    let cursor = replayed !== null ? replayed.slice(1) : ((await deps.kv.get(cursorKey(openKfId))) ?? '');
    if (replayed === null) await deps.kv.set(replayKey, `c${cursor}`, REPLAY_TTL_MS);
    const messages: InboundMessage[] = [];
    const events: ChannelEvent[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await api.call('/cgi-bin/kf/sync_msg', {
        cursor,
        ...(callbackToken ? { token: callbackToken } : {}),
        limit: PAGE_LIMIT,
        open_kfid: openKfId,
      });
      const list = Array.isArray(r['msg_list']) ? (r['msg_list'] as KfItem[]) : [];
      for (const item of list) {
        if (!item || typeof item !== 'object') continue;
        const m = toMessage(item);
        if (m) messages.push(m);
        const e = m ? null : toEvent(item, messages.length);
        if (e) events.push(e);
      }
      if (typeof r['next_cursor'] === 'string' && r['next_cursor']) cursor = r['next_cursor'];
      if (r['has_more'] !== 1 && r['has_more'] !== true) break;
    }
    await deps.kv.set(cursorKey(openKfId), cursor);
    deps.log.debug({ channel: NAME, messages: messages.length, events: events.length }, 'kf messages pulled');
    return { messages, events };
  }

  async function webhook(req: WebhookRequest): Promise<WebhookResult> {
    let q: URLSearchParams;
    try {
      q = new URL(req.url).searchParams;
    } catch {
      return unauthorized('no signature');
    }
    const msgSignature = q.get('msg_signature') ?? unauthorized('msg_signature missing');
    const timestamp = q.get('timestamp') ?? '';
    const nonce = q.get('nonce') ?? '';
    const method = req.method.toUpperCase();
    if (method === 'GET') {
      // URL verification: echostr is encrypted; answer its plaintext.
      const echostr = q.get('echostr') ?? unauthorized('echostr missing');
      if (!signatureMatches(msgSignature, wxSignature(cfg.token, timestamp, nonce, echostr))) unauthorized('bad msg_signature');
      const plain = wxDecrypt(cfg.aesKey, echostr) ?? unauthorized('echostr does not decrypt with WECOM_AES_KEY');
      if (!sameString(plain.receiveId, cfg.corpId)) unauthorized('encrypted for another CorpID');
      return { messages: [], response: { status: 200, body: plain.message, headers: { 'content-type': 'text/plain; charset=utf-8' } } };
    }
    if (method !== 'POST') badRequest(`method ${method} not accepted`);
    // Only the Encrypt element the signature covers is looked at before the signature is checked.
    const encrypted = extractEncrypt(req.body) ?? badRequest('no Encrypt element');
    if (!signatureMatches(msgSignature, wxSignature(cfg.token, timestamp, nonce, encrypted))) unauthorized('bad msg_signature');
    const plain = wxDecrypt(cfg.aesKey, encrypted) ?? unauthorized('Encrypt does not decrypt with WECOM_AES_KEY');
    if (!sameString(plain.receiveId, cfg.corpId)) unauthorized('encrypted for another CorpID');
    const x = parseWxXml(plain.message);
    const ok = { status: 200, body: 'success', headers: { 'content-type': 'text/plain; charset=utf-8' } };
    if (x['MsgType'] !== 'event' || x['Event'] !== 'kf_msg_or_event') return { messages: [], response: ok };
    const openKfId = x['OpenKfId'] || badRequest('OpenKfId missing');
    const { messages, events } = await pull(openKfId, x['Token'] ?? '', sha(encrypted).slice(0, 32));
    return { messages, ...(events.length ? { events } : {}), response: ok };
  }

  async function send(externalUserId: string, message: OutboundMessage, ctx: SendContext): Promise<void> {
    const openKfId = ctx.contact?.['open_kfid'];
    if (typeof openKfId !== 'string' || !openKfId) throw new AppError('UNREACHABLE', 'wecom-kf: no kf account (open_kfid) known for this customer');
    const { texts } = present(message, CAPABILITIES, ctx.locale ?? 'zh-CN');
    const sent = sentParts(deps, `${NAME}:${cfg.corpId}`, ctx.effectId);
    for (const [i, content] of texts.entries()) {
      if (await sent.done(i)) continue;
      try {
        await api.call('/cgi-bin/kf/send_msg', {
          touser: externalUserId,
          open_kfid: openKfId,
          // Our own msgid (unique per kf account): a retried entry carries the same one.
          ...(ctx.effectId ? { msgid: clientMsgId(ctx.effectId, i) } : {}),
          msgtype: 'text',
          text: { content },
        });
      } catch (err) {
        if (err instanceof WxApiError && err.errcode === SESSION_INVALID) {
          // The session is with a human agent, ended, or past its 48 h / 5 messages: nothing we send gets through.
          throw new AppError('UNREACHABLE', `wecom-kf: session status invalid (errcode ${SESSION_INVALID})`);
        }
        throw err;
      }
      await sent.mark(i);
    }
  }

  function canSend(contact: ChannelContact, _kind: SendKind, now: Date): Permission {
    if (contact.unreachable) return { allowed: 'no', reason: `${NAME}: ${contact.unreachable.reason}` };
    if (typeof contact.data?.['open_kfid'] !== 'string') return { allowed: 'no', reason: `${NAME}: no kf account known for this customer` };
    const last = contact.lastInboundAt ? Date.parse(contact.lastInboundAt) : NaN;
    if (!Number.isFinite(last)) return { allowed: 'no', reason: `${NAME}: the customer has not written` };
    if (now.getTime() - last >= WINDOW_MS) return { allowed: 'no', reason: `${NAME}: 48 h since the customer last wrote (no template in 微信客服)` };
    if (contact.sentSinceInbound >= WINDOW_MESSAGES) {
      return { allowed: 'no', reason: `${NAME}: ${WINDOW_MESSAGES} messages already sent since the customer last wrote` };
    }
    return { allowed: 'yes' };
  }

  /**
   * The configured hand-off: the session moves to WeCom's queue or to a servicer, unless a human already
   * has it or it has ended (the customer's next message opens a new one).
   */
  async function handOff(externalUserId: string, contact: Record<string, unknown> | undefined): Promise<void> {
    const target = cfg.handoff;
    const openKfId = contact?.['open_kfid'];
    if (!target || typeof openKfId !== 'string' || !openKfId) return;
    const who = { open_kfid: openKfId, external_userid: externalUserId };
    const now = await api.call('/cgi-bin/kf/service_state/get', who);
    const state = now['service_state'];
    if (state === STATE_QUEUED || state === STATE_HUMAN || state === STATE_ENDED) return;
    await api.call('/cgi-bin/kf/service_state/trans', { ...who, service_state: target.state, ...('servicer' in target ? { servicer_userid: target.servicer } : {}) });
  }

  return { name: NAME, capabilities: CAPABILITIES, path: PATH, webhook, send, canSend, ...(cfg.handoff ? { handOff } : {}) };
}

export const definition: ChannelDefinition = {
  name: NAME,
  env: ENV,
  create: (env, deps) => createWecomKf(readConfig(env), deps),
};
