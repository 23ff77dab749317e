import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encrypt as tencentEncrypt, getSignature as tencentSignature } from '@wecom/crypto';

/**
 * A local api.weixin.qq.com (WeChat Official Account) and qyapi.weixin.qq.com (WeCom 微信客服) in one
 * node:http server, for the adapters' own HTTP clients. JSON bodies, `?access_token=` on every call,
 * errors as `{errcode, errmsg}` in a 200 body, as the platforms answer.
 *
 * OA: /cgi-bin/token, /cgi-bin/stable_token, /cgi-bin/message/custom/send (48 h / 5 messages after the
 * user's last message, by the fake's clock: 45015 out of time, 45047 out of count; 43004 once unfollowed),
 * /cgi-bin/message/template/send (40037 wrong template, 43004 unfollowed, client_msg_id sends once).
 * WeCom: /cgi-bin/gettoken, /cgi-bin/kf/sync_msg (cursor, has_more, the callback token valid 10 min,
 * only the last 3 days), /cgi-bin/kf/send_msg (48 h / 5 messages, 95018 for a session told invalid).
 * Tokens: 40001 / 40014 invalid, 42001 expired (7200 s by the clock); invalidateTokens() drops them all.
 * Frequency limits: limitUser() makes the next send to one user answer an errcode (45009 "reach max api
 * daily quota limit"; no retry-after in WeChat's answers); attemptsTo() lists every send to a user.
 *
 * Inbound deliveries are built as the platforms send them, encrypted and signed with Tencent's own
 * @wecom/crypto, so the adapters' crypto is checked against it.
 *
 * Error codes: 45015, 45047, 43004, 40037, 40001, 42001, 40014, 95018 are documented or widely reported;
 * the real code for a 微信客服 send past 48 h / 5 messages is not confirmed (here 95018, as a closed
 * session), nor is 95007 for an invalid sync_msg token.
 */

export interface WechatFakeOptions {
  oa?: { appId?: string; appSecret?: string; token?: string; aesKey?: string; templateId?: string };
  kf?: { corpId?: string; secret?: string; token?: string; aesKey?: string };
  /** Where deliveries say they were sent (the public webhook origin). */
  publicBase?: string;
  /** Start of the fake's clock (default: the real time). */
  now?: Date;
}

export interface Delivery {
  method: string;
  /** Path without the query. */
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  /** publicBase + path + '?' + query: the WebhookRequest url. */
  url: string;
}

export interface FakeSent {
  api: 'custom' | 'template' | 'kf';
  to: string;
  text: string;
  /** template: its data; kf: its open_kfid and msgid. */
  data?: Record<string, { value: string }>;
  open_kfid?: string;
  msgid?: string;
  at: number;
}

export interface KfMessage {
  msgid: string;
  open_kfid: string;
  external_userid: string;
  send_time: number;
  origin: number;
  msgtype: string;
  text?: { content: string };
  servicer_userid?: string;
  event?: { event_type: string; open_kfid: string; external_userid: string; change_type?: number; old_servicer_userid?: string; new_servicer_userid?: string };
}

/**
 * kf session states and the changes /cgi-bin/kf/service_state/trans allows: 0 new, 1 with the bot, 2 queued,
 * 3 with a servicer, 4 ended. A customer's message reopens an ended session as new.
 */
const KF_TRANSITIONS: Record<number, readonly number[]> = { 0: [1, 2, 3, 4], 1: [2, 3, 4], 2: [3, 4], 3: [3, 4], 4: [] };

type Json = Record<string, unknown>;

const H = 60 * 60 * 1000;
const WINDOW_MS = 48 * H;
const WINDOW_MESSAGES = 5;
const TOKEN_TTL_S = 7200;
const SEND_APIS = new Set(['/cgi-bin/message/custom/send', '/cgi-bin/message/template/send', '/cgi-bin/kf/send_msg']);

const randomKey = () => randomBytes(32).toString('base64').slice(0, 43).replace(/[+/]/g, 'A');
const hex = (n: number) => randomBytes(n).toString('hex').slice(0, n);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40037: 'invalid template_id',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  42001: 'access_token expired',
  43004: 'require subscribe',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  45015: 'response out of time limit or subscription is canceled',
  45047: 'out of response count limit',
  47001: 'data format error',
  95007: 'invalid msg token',
  95018: 'send msg session status invalid',
};
const err = (errcode: number, errmsg = ERRMSG[errcode] ?? 'error') => ({ errcode, errmsg: `${errmsg} rid: ${hex(8)}` });

export class WechatFake {
  readonly oa: { appId: string; appSecret: string; token: string; aesKey: string; templateId: string; ghId: string };
  readonly kf: { corpId: string; secret: string; token: string; aesKey: string };
  readonly publicBase: string;
  /** The fake's clock, in ms; tests move it. */
  clock: number;
  url = '';
  /** Every API call: path and parsed JSON body (or query for GETs). */
  readonly calls: Array<{ path: string; body: Json }> = [];
  readonly sent: FakeSent[] = [];
  /** Every send request (custom, template, kf send_msg) per recipient, refused ones included: real time and errcode. */
  private attempts: Array<{ to: string; at: number; errcode: number }> = [];
  private userLimits = new Map<string, number>();

  private server: Server;
  private tokens = new Map<string, { platform: 'oa' | 'kf'; expires: number }>();
  private stable: string | null = null;
  private failures: Array<{ path: string; errcode: number; times: number; after: number }> = [];
  private httpFailures: Array<{ path: string; status: number; times: number; after: number }> = [];
  private oaWindows = new Map<string, { at: number; used: number }>();
  private unfollowed = new Set<string>();
  private templateIds = new Map<string, number>();
  private kfLog: Array<KfMessage & { seq: number }> = [];
  private kfSeq = 0;
  private kfWindows = new Map<string, { at: number; used: number }>();
  private kfInvalid = new Set<string>();
  private kfStates = new Map<string, { state: number; servicer?: string }>();
  /** Servicers "正在接待" (receiving): only they can be given a session with state 3. */
  readonly kfServicers = new Set<string>(['zhangsan']);
  private kfCallbackTokens = new Map<string, number>();
  private msgSeq = BigInt('24000000000000000') + BigInt(Math.floor(Math.random() * 1e9));

  constructor(o: WechatFakeOptions = {}) {
    this.oa = {
      appId: o.oa?.appId ?? `wx${hex(16)}`,
      appSecret: o.oa?.appSecret ?? hex(32),
      token: o.oa?.token ?? `tok${hex(12)}`,
      aesKey: o.oa?.aesKey ?? randomKey(),
      templateId: o.oa?.templateId ?? `TPL_${hex(20)}`,
      ghId: `gh_${hex(12)}`,
    };
    this.kf = {
      corpId: o.kf?.corpId ?? `ww${hex(16)}`,
      secret: o.kf?.secret ?? randomBytes(32).toString('base64url').slice(0, 43),
      token: o.kf?.token ?? `kf${hex(12)}`,
      aesKey: o.kf?.aesKey ?? randomKey(),
    };
    this.publicBase = o.publicBase ?? 'https://intake.example.test';
    this.clock = (o.now ?? new Date()).getTime();
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  now(): Date {
    return new Date(this.clock);
  }
  advance(ms: number): void {
    this.clock += ms;
  }

  // ---- control ----------------------------------------------------------------------------------

  /** After `after` more calls to `path`, the next `times` answer this errcode (before anything else is checked). */
  failNext(path: string, errcode: number, times = 1, after = 0): void {
    this.failures.push({ path, errcode, times, after });
  }
  /** After `after` more calls to `path`, the next `times` answer this HTTP status. */
  failHttpNext(path: string, status: number, times = 1, after = 0): void {
    this.httpFailures.push({ path, status, times, after });
  }
  /** Drops every injected failure not yet used. */
  clearFailures(): void {
    this.failures = [];
    this.httpFailures = [];
  }
  /** Every access token issued so far stops working (40001), as when another server fetched a new one. */
  invalidateTokens(): void {
    this.tokens.clear();
    this.stable = null;
  }
  /** The OA user unfollows (custom and template sends answer 43004). */
  unfollow(openid: string): void {
    this.unfollowed.add(openid);
  }
  /** The kf session of this customer is with a human / closed: send_msg answers 95018. */
  kfSessionInvalid(externalUserId: string, invalid = true): void {
    if (invalid) this.kfInvalid.add(externalUserId);
    else this.kfInvalid.delete(externalUserId);
  }
  /** The next send (custom, template or kf send_msg) to this user answers this errcode (default 45009, frequency limit). */
  limitUser(user: string, errcode = 45009): void {
    this.userLimits.set(user, errcode);
  }
  /** Every send request to this user, oldest first, refused ones included: when it came (real time) and the errcode answered. */
  attemptsTo(user: string): Array<{ at: number; errcode: number }> {
    return this.attempts.filter((a) => a.to === user).map(({ at, errcode }) => ({ at, errcode }));
  }
  /** Texts the bot sent this user (openid or external_userid), oldest first. */
  sentTo(user: string): FakeSent[] {
    return this.sent.filter((s) => s.to === user);
  }
  callsTo(path: string): number {
    return this.calls.filter((c) => c.path === path).length;
  }

  // ---- WeChat OA deliveries ------------------------------------------------------------------------

  private oaQuery(extra: Record<string, string> = {}, ts = String(Math.floor(this.clock / 1000)), nonce = String(Math.floor(Math.random() * 1e10))) {
    return { signature: createHash('sha1').update([this.oa.token, ts, nonce].sort().join('')).digest('hex'), timestamp: ts, nonce, ...extra };
  }

  private delivery(method: string, path: string, query: Record<string, string>, body: string, headers: Record<string, string> = {}): Delivery {
    const q = new URLSearchParams(query).toString();
    return { method, path, query: q, headers, body, url: `${this.publicBase}${path}?${q}` };
  }

  /** The GET that checks the server URL when it is saved on the platform. */
  oaVerify(echostr = String(Math.floor(Math.random() * 1e18)), path = '/webhooks/wechat'): Delivery {
    return this.delivery('GET', path, this.oaQuery({ echostr }), '');
  }

  /** The XML of a push, as WeChat writes it. */
  oaXml(openid: string, fields: Record<string, string | number>): string {
    const inner = Object.entries({ ToUserName: this.oa.ghId, FromUserName: openid, CreateTime: Math.floor(this.clock / 1000), ...fields })
      .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`))
      .join('\n');
    return `<xml>\n${inner}\n</xml>`;
  }

  /** A push (plain or safe mode) carrying `xml`; in safe mode encrypted for the AppID with Tencent's code. */
  oaPush(openid: string, xml: string, opts: { safe?: boolean; path?: string } = {}): Delivery {
    const path = opts.path ?? '/webhooks/wechat';
    const headers = { 'content-type': 'text/xml' };
    if (!opts.safe) return this.delivery('POST', path, this.oaQuery({ openid }), xml, headers);
    const enc = tencentEncrypt(this.oa.aesKey, xml, this.oa.appId);
    const q = this.oaQuery({ openid, encrypt_type: 'aes' });
    const msg_signature = tencentSignature(this.oa.token, q.timestamp, q.nonce, enc);
    const body = `<xml>\n<ToUserName><![CDATA[${this.oa.ghId}]]></ToUserName>\n<Encrypt><![CDATA[${enc}]]></Encrypt>\n</xml>`;
    return this.delivery('POST', path, { ...q, msg_signature }, body, headers);
  }

  /** The user sends a text: opens (renews) the 48 h / 5-message window and returns the push. */
  oaText(openid: string, text: string, opts: { safe?: boolean; msgId?: string; path?: string } = {}): Delivery {
    const msgId = opts.msgId ?? String(++this.msgSeq);
    this.oaWindows.set(openid, { at: this.clock, used: 0 });
    this.unfollowed.delete(openid);
    return this.oaPush(openid, this.oaXml(openid, { MsgType: 'text', Content: text, MsgId: msgId }), opts);
  }

  /** subscribe / unsubscribe / CLICK … events (unsubscribe also unfollows). */
  oaEvent(openid: string, event: string, opts: { safe?: boolean } = {}): Delivery {
    if (event === 'unsubscribe') this.unfollow(openid);
    if (event === 'subscribe') this.unfollowed.delete(openid);
    return this.oaPush(openid, this.oaXml(openid, { MsgType: 'event', Event: event }), opts);
  }

  /** The same delivery with a wrong signature (and msg_signature), or with none (`missing`). */
  forged(d: Delivery, opts: { missing?: boolean } = {}): Delivery {
    const q = new URLSearchParams(d.query);
    for (const name of ['signature', 'msg_signature']) {
      if (!q.has(name)) continue;
      if (opts.missing) q.delete(name);
      else q.set(name, createHash('sha1').update(`forged${q.get(name)}`).digest('hex'));
    }
    const query = q.toString();
    return { ...d, query, url: `${this.publicBase}${d.path}?${query}` };
  }

  // ---- WeCom kf deliveries ------------------------------------------------------------------------

  private kfSigned(encrypted: string, extra: Record<string, string> = {}): { query: Record<string, string> } {
    const timestamp = String(Math.floor(this.clock / 1000));
    const nonce = hex(10);
    return { query: { msg_signature: tencentSignature(this.kf.token, timestamp, nonce, encrypted), timestamp, nonce, ...extra } };
  }

  /** The URL check: echostr encrypted for the CorpID; the server must answer its plaintext. */
  kfVerify(plain = String(Math.floor(Math.random() * 1e18)), path = '/webhooks/wecom'): Delivery & { plain: string } {
    const echostr = tencentEncrypt(this.kf.aesKey, plain, this.kf.corpId);
    const { query } = this.kfSigned(echostr, { echostr });
    return { ...this.delivery('GET', path, query, ''), plain };
  }

  /** An encrypted, signed callback whose plaintext is `xml` (receiveid = CorpID, as WeCom encrypts). */
  kfEncrypted(xml: string, opts: { path?: string; receiveId?: string } = {}): Delivery {
    const path = opts.path ?? '/webhooks/wecom';
    const enc = tencentEncrypt(this.kf.aesKey, xml, opts.receiveId ?? this.kf.corpId);
    const { query } = this.kfSigned(enc);
    const body = `<xml><ToUserName><![CDATA[${this.kf.corpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    return this.delivery('POST', path, query, body, { 'content-type': 'text/xml' });
  }

  /** The kf_msg_or_event callback for a kf account, with a fresh sync token (valid 10 minutes). */
  kfCallback(openKfId: string, opts: { path?: string } = {}): Delivery & { token: string } {
    const token = `ENC${hex(24)}`;
    this.kfCallbackTokens.set(token, this.clock + 10 * 60 * 1000);
    const xml =
      `<xml><ToUserName><![CDATA[${this.kf.corpId}]]></ToUserName><CreateTime>${Math.floor(this.clock / 1000)}</CreateTime>` +
      `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>` +
      `<Token><![CDATA[${token}]]></Token><OpenKfId><![CDATA[${openKfId}]]></OpenKfId></xml>`;
    return { ...this.kfEncrypted(xml, opts), token };
  }

  /** Something lands in the kf account's message log (what sync_msg returns). */
  kfAppend(m: Omit<KfMessage, 'msgid' | 'send_time'> & { msgid?: string; send_time?: number }): KfMessage {
    const msg: KfMessage & { seq: number } = { ...m, msgid: m.msgid ?? `kfmsg${hex(20)}`, send_time: m.send_time ?? Math.floor(this.clock / 1000), seq: ++this.kfSeq };
    this.kfLog.push(msg);
    if (msg.origin === 3) {
      const key = `${msg.open_kfid}:${msg.external_userid}`;
      this.kfWindows.set(key, { at: msg.send_time * 1000, used: 0 });
      if ((this.kfStates.get(key)?.state ?? 4) === 4) this.kfStates.set(key, { state: 0 });
    }
    return msg;
  }

  /** The kf session's state (service_state) and its servicer. */
  kfSession(externalUserId: string, openKfId: string): { state: number; servicer?: string } {
    return { ...(this.kfStates.get(`${openKfId}:${externalUserId}`) ?? { state: 4 }) };
  }

  /** A servicer in the WeCom client takes the session (change_type 1: from the queue; 4: takes back an ended one). */
  kfServicerTakes(externalUserId: string, openKfId: string, servicer: string, changeType: 1 | 2 | 4 = 1): Delivery {
    this.kfStates.set(`${openKfId}:${externalUserId}`, { state: 3, servicer });
    this.kfAppend({ open_kfid: openKfId, external_userid: '', origin: 4, msgtype: 'event', event: { event_type: 'session_status_change', open_kfid: openKfId, external_userid: externalUserId, change_type: changeType, new_servicer_userid: servicer } });
    return this.kfCallback(openKfId);
  }

  /** The servicer holding the session writes to the customer from the WeCom client. */
  kfServicerText(externalUserId: string, openKfId: string, text: string): Delivery & { msgid: string } {
    const servicer = this.kfStates.get(`${openKfId}:${externalUserId}`)?.servicer ?? 'zhangsan';
    const m = this.kfAppend({ open_kfid: openKfId, external_userid: externalUserId, origin: 5, msgtype: 'text', text: { content: text }, servicer_userid: servicer });
    return { ...this.kfCallback(openKfId), msgid: m.msgid };
  }

  /** The servicer ends the session (change_type 3). */
  kfServicerEnds(externalUserId: string, openKfId: string): Delivery {
    const old = this.kfStates.get(`${openKfId}:${externalUserId}`)?.servicer;
    this.kfStates.set(`${openKfId}:${externalUserId}`, { state: 4 });
    this.kfAppend({ open_kfid: openKfId, external_userid: '', origin: 4, msgtype: 'event', event: { event_type: 'session_status_change', open_kfid: openKfId, external_userid: externalUserId, change_type: 3, ...(old ? { old_servicer_userid: old } : {}) } });
    return this.kfCallback(openKfId);
  }

  /** The customer writes a text: it is logged for sync_msg and the callback is returned. */
  kfCustomerText(externalUserId: string, openKfId: string, text: string, opts: { msgid?: string; path?: string } = {}): Delivery & { msgid: string; token: string } {
    const m = this.kfAppend({ ...(opts.msgid ? { msgid: opts.msgid } : {}), open_kfid: openKfId, external_userid: externalUserId, origin: 3, msgtype: 'text', text: { content: text } });
    return { ...this.kfCallback(openKfId, opts.path ? { path: opts.path } : {}), msgid: m.msgid };
  }

  /** Removes a logged message (a forged delivery never came from the platform). */
  kfDrop(msgid: string): void {
    this.kfLog = this.kfLog.filter((m) => m.msgid !== msgid);
  }

  // ---- HTTP ----------------------------------------------------------------------------------------

  private issue(platform: 'oa' | 'kf'): string {
    const token = `${platform.toUpperCase()}_${hex(40)}`;
    this.tokens.set(token, { platform, expires: this.clock + TOKEN_TTL_S * 1000 });
    return token;
  }

  /** null when the token is good, else the error to answer. */
  private checkToken(q: URLSearchParams, platform: 'oa' | 'kf'): Json | null {
    const t = q.get('access_token');
    if (!t) return err(41001);
    const known = this.tokens.get(t);
    if (!known || known.platform !== platform) return err(platform === 'oa' ? 40001 : 40014);
    if (known.expires <= this.clock) return err(42001);
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://fake');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let body: Json = {};
    let bad = false;
    if (raw) {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        bad = true;
      }
    }
    this.calls.push({ path: u.pathname, body: req.method === 'POST' ? body : Object.fromEntries(u.searchParams) });
    const send = (json: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(json));
    };
    const due = <T extends { path: string; times: number; after: number }>(list: T[]): T | undefined => {
      const f = list.find((x) => x.path === u.pathname && x.times > 0);
      if (f && f.after > 0) {
        f.after--;
        return undefined;
      }
      if (f) f.times--;
      return f;
    };
    const http = due(this.httpFailures);
    if (http) {
      res.writeHead(http.status, { 'content-type': 'text/html' });
      res.end('<html>error</html>');
      return;
    }
    const injected = due(this.failures);
    if (injected) {
      return send(err(injected.errcode));
    }
    if (bad) return send(err(47001));
    const to = SEND_APIS.has(u.pathname) && typeof body['touser'] === 'string' ? body['touser'] : undefined;
    const at = Date.now();
    const limit = to !== undefined ? this.userLimits.get(to) : undefined;
    if (to !== undefined && limit !== undefined) {
      this.userLimits.delete(to);
      this.attempts.push({ to, at, errcode: limit });
      return send(err(limit));
    }
    const answer = this.route(u.pathname, u.searchParams, body, req.method ?? 'GET');
    if (to !== undefined) this.attempts.push({ to, at, errcode: typeof answer['errcode'] === 'number' ? answer['errcode'] : 0 });
    send(answer);
  }

  private route(path: string, q: URLSearchParams, body: Json, method: string): Json {
    switch (path) {
      // -- OA --
      case '/cgi-bin/token': {
        if (q.get('grant_type') !== 'client_credential') return err(40002);
        if (q.get('appid') !== this.oa.appId) return err(40013);
        if (q.get('secret') !== this.oa.appSecret) return err(40125);
        return { access_token: this.issue('oa'), expires_in: TOKEN_TTL_S };
      }
      case '/cgi-bin/stable_token': {
        if (method !== 'POST') return err(43002, 'require POST method');
        if (body['grant_type'] !== 'client_credential') return err(40002);
        if (body['appid'] !== this.oa.appId) return err(40013);
        if (body['secret'] !== this.oa.appSecret) return err(40125);
        const current = this.stable ? this.tokens.get(this.stable) : undefined;
        if (body['force_refresh'] === true || !this.stable || !current || current.expires <= this.clock) {
          if (this.stable) this.tokens.delete(this.stable);
          this.stable = this.issue('oa');
        }
        return { access_token: this.stable, expires_in: Math.round((this.tokens.get(this.stable)!.expires - this.clock) / 1000) };
      }
      case '/cgi-bin/message/custom/send': {
        const bad = this.checkToken(q, 'oa');
        if (bad) return bad;
        const to = body['touser'];
        const content = (body['text'] as Json | undefined)?.['content'];
        if (typeof to !== 'string' || body['msgtype'] !== 'text' || typeof content !== 'string') return err(44002);
        if (this.unfollowed.has(to)) return err(43004);
        const w = this.oaWindows.get(to);
        if (!w || this.clock - w.at >= WINDOW_MS) return err(45015);
        if (w.used >= WINDOW_MESSAGES) return err(45047);
        w.used++;
        this.sent.push({ api: 'custom', to, text: content, at: this.clock });
        return { errcode: 0, errmsg: 'ok' };
      }
      case '/cgi-bin/message/template/send': {
        const bad = this.checkToken(q, 'oa');
        if (bad) return bad;
        const to = body['touser'];
        const data = body['data'] as Record<string, { value: string }> | undefined;
        if (typeof to !== 'string' || !data || typeof data !== 'object') return err(44002);
        if (body['template_id'] !== this.oa.templateId) return err(40037);
        if (this.unfollowed.has(to)) return err(43004);
        const clientId = typeof body['client_msg_id'] === 'string' ? `${to}:${body['client_msg_id']}` : null;
        const earlier = clientId ? this.templateIds.get(clientId) : undefined;
        if (earlier !== undefined && this.clock - earlier < 10 * 60 * 1000) return { errcode: 0, errmsg: 'ok', msgid: earlier };
        if (clientId) this.templateIds.set(clientId, this.clock);
        const text = Object.values(data)
          .map((d) => d?.value ?? '')
          .filter(Boolean)
          .join('\n');
        this.sent.push({ api: 'template', to, text, data, at: this.clock });
        return { errcode: 0, errmsg: 'ok', msgid: this.clock };
      }
      // -- WeCom --
      case '/cgi-bin/gettoken': {
        if (q.get('corpid') !== this.kf.corpId) return err(40013, 'invalid corpid');
        if (q.get('corpsecret') !== this.kf.secret) return err(40001, 'invalid secret');
        return { errcode: 0, errmsg: 'ok', access_token: this.issue('kf'), expires_in: TOKEN_TTL_S };
      }
      case '/cgi-bin/kf/sync_msg': {
        const bad = this.checkToken(q, 'kf');
        if (bad) return bad;
        const kfid = body['open_kfid'];
        if (typeof kfid !== 'string' || !kfid) return err(40058, 'invalid parameter open_kfid');
        const limit = typeof body['limit'] === 'number' ? body['limit'] : 1000;
        if (limit < 1 || limit > 1000) return err(40058, 'invalid limit');
        const token = body['token'];
        if (token !== undefined) {
          const until = typeof token === 'string' ? this.kfCallbackTokens.get(token) : undefined;
          if (until === undefined || until <= this.clock) return err(95007);
        }
        const cursor = typeof body['cursor'] === 'string' && body['cursor'] ? Number(Buffer.from(body['cursor'], 'base64url').toString()) : 0;
        if (!Number.isFinite(cursor)) return err(40058, 'invalid cursor');
        const since = Math.floor((this.clock - 3 * 24 * H) / 1000);
        const all = this.kfLog.filter((m) => m.open_kfid === kfid && m.seq > cursor && m.send_time >= since);
        const page = all.slice(0, limit);
        const last = page.length ? page[page.length - 1]!.seq : cursor;
        return {
          errcode: 0,
          errmsg: 'ok',
          next_cursor: Buffer.from(String(last)).toString('base64url'),
          has_more: all.length > page.length ? 1 : 0,
          msg_list: page.map(({ seq: _seq, ...m }) => m),
        };
      }
      case '/cgi-bin/kf/send_msg': {
        const bad = this.checkToken(q, 'kf');
        if (bad) return bad;
        const to = body['touser'];
        const kfid = body['open_kfid'];
        const content = (body['text'] as Json | undefined)?.['content'];
        if (typeof to !== 'string' || typeof kfid !== 'string' || body['msgtype'] !== 'text' || typeof content !== 'string') return err(44002, 'empty post data');
        const msgid = body['msgid'];
        if (msgid !== undefined && (typeof msgid !== 'string' || !/^[0-9a-zA-Z_-]{1,32}$/.test(msgid))) return err(40058, 'invalid msgid');
        if (this.kfInvalid.has(to)) return err(95018);
        const state = this.kfStates.get(`${kfid}:${to}`)?.state ?? 4;
        if (state !== 0 && state !== 1) return err(95018);
        if (state === 0) this.kfStates.set(`${kfid}:${to}`, { state: 1 });
        const w = this.kfWindows.get(`${kfid}:${to}`);
        if (!w || this.clock - w.at >= WINDOW_MS || w.used >= WINDOW_MESSAGES) return err(95018);
        w.used++;
        const id = typeof msgid === 'string' ? msgid : `auto${hex(16)}`;
        this.sent.push({ api: 'kf', to, text: content, open_kfid: kfid, msgid: id, at: this.clock });
        return { errcode: 0, errmsg: 'ok', msgid: id };
      }
      case '/cgi-bin/kf/service_state/get':
      case '/cgi-bin/kf/service_state/trans': {
        const bad = this.checkToken(q, 'kf');
        if (bad) return bad;
        const kfid = body['open_kfid'];
        const user = body['external_userid'];
        if (typeof kfid !== 'string' || !kfid || typeof user !== 'string' || !user) return err(40058, 'invalid parameter');
        const key = `${kfid}:${user}`;
        const now = this.kfStates.get(key) ?? { state: 4 };
        if (path.endsWith('/get')) return { errcode: 0, errmsg: 'ok', service_state: now.state, ...(now.state === 3 ? { servicer_userid: now.servicer } : {}) };
        const target = body['service_state'];
        if (typeof target !== 'number' || !KF_TRANSITIONS[now.state]!.includes(target)) return err(95016, 'invalid state transition');
        const servicer = body['servicer_userid'];
        if (target === 3 && (typeof servicer !== 'string' || !this.kfServicers.has(servicer))) return err(95014, 'invalid servicer');
        this.kfStates.set(key, target === 3 ? { state: 3, servicer: servicer as string } : { state: target });
        return { errcode: 0, errmsg: 'ok', ...(target === 2 || target === 3 ? { msg_code: `MSGCODE${hex(8)}` } : {}) };
      }
      default:
        return err(404, `no such api ${path}`);
    }
  }
}

export async function startWechatFake(o: WechatFakeOptions = {}): Promise<WechatFake> {
  return new WechatFake(o).start();
}
