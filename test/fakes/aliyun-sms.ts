import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../../engine/channels.ts';

/**
 * A fake dysmsapi.aliyuncs.com for the real @alicloud/dysmsapi20170525 client (pointed here by
 * ALIYUN_SMS_ENDPOINT=http://127.0.0.1:PORT): the RPC-style SendSms action, signed with
 * ACS3-HMAC-SHA256 (verified in full: canonical request, signed headers, content hash), with the
 * approved signature and template, the template variable length limit, the 50-a-day notification flow
 * control, and Aliyun's business error codes in a 200 body; API throttling (HTTP 400 Throttling.User with
 * x-acs-retry-after) for any request or for one number's, every SendSms recorded per number. The platform side of 上行 (SmsUp HTTP batch
 * push) builds the JSON array Aliyun POSTs to the configured URL.
 */

export interface SentAliyunSms {
  phoneNumbers: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  /** The SMS as the customer reads it: 【signature】 + template with the variables filled in. */
  text: string;
  bizId: string;
}

export interface AliyunSmsFakeOptions {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  templateCode: string;
  /** The approved template text, e.g. "您的投诉有新消息：${content}". */
  template: string;
  /** Longest value per variable (Aliyun's default 35). */
  paramMax?: number;
  /** Notifications per (signature, template, number) per day (Aliyun: 50). */
  dailyLimit?: number;
}

// The same percent-encoding the SDK signs with (RFC 3986: also ! ' ( ) *).
const encode = (s: string) =>
  encodeURIComponent(s).replace(/!/g, '%21').replace(/'/g, '%27').replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\*/g, '%2A');

export class AliyunSmsFake {
  readonly o: Required<AliyunSmsFakeOptions>;
  readonly sent: SentAliyunSms[] = [];
  requests = 0;
  /** Requests refused because the ACS3 signature did not verify. */
  badSignatures = 0;
  /** Called after each accepted message (tests use it to change the fake's behaviour mid-send). */
  onSent: ((m: SentAliyunSms) => void) | undefined;
  private limited = 0;
  private limitCode = 'isv.BUSINESS_LIMIT_CONTROL';
  private throttled = 0;
  private numberThrottles = new Map<string, number>();
  private attempts: Array<{ phoneNumbers: string; at: number; code: string }> = [];
  private perDay = new Map<string, number>();
  private seq = 1000;
  private server: Server | null = null;
  host = '';

  constructor(o: AliyunSmsFakeOptions) {
    this.o = { paramMax: 35, dailyLimit: 50, ...o };
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.host = `127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** What ALIYUN_SMS_ENDPOINT should say. */
  get endpoint(): string {
    return `http://${this.host}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.server = null;
  }

  /** The next `n` sends answer Code isv.BUSINESS_LIMIT_CONTROL (HTTP 200, as Aliyun does). */
  limitNext(n = 1, code = 'isv.BUSINESS_LIMIT_CONTROL'): void {
    this.limited = n;
    this.limitCode = code;
  }

  /** The next `n` requests answer HTTP 400 Throttling.User (the API's QPS limit). */
  throttleNext(n = 1): void {
    this.throttled = n;
  }

  /**
   * The next SendSms to this number (PhoneNumbers as sent) answers HTTP 400 Throttling.User with
   * x-acs-retry-after in milliseconds, as the Alibaba Cloud SDK reads that header.
   */
  throttleNumber(phoneNumbers: string, retryAfterMs: number): void {
    this.numberThrottles.set(phoneNumbers, retryAfterMs);
  }

  /** Every SendSms for this number, in order, refused ones included: when it came and the Code answered. */
  attemptsTo(phoneNumbers: string): Array<{ at: number; code: string }> {
    return this.attempts.filter((a) => a.phoneNumbers === phoneNumbers).map(({ at, code }) => ({ at, code }));
  }

  /** Template variable values sent to one number (PhoneNumbers as sent: 11 digits for mainland). */
  valuesTo(phoneNumbers: string, variable = 'content'): string[] {
    return this.sent.filter((m) => m.phoneNumbers === phoneNumbers).map((m) => m.params[variable] ?? '');
  }

  reset(): void {
    this.sent.length = 0;
    this.requests = 0;
    this.badSignatures = 0;
    this.limited = 0;
    this.throttled = 0;
    this.numberThrottles.clear();
    this.attempts.length = 0;
    this.perDay.clear();
    this.onSent = undefined;
  }

  /**
   * 上行 as Aliyun pushes it to `url` (the public URL configured in the console, token included): a JSON
   * array of {phone_number, send_time, content, sign_name, dest_code, sequence_id}.
   */
  uplink(url: string, items: Array<{ phone: string; content: string; sequenceId?: number; sendTime?: string; signName?: string }>): WebhookRequest {
    const body = items.map((i) => ({
      phone_number: i.phone,
      send_time: i.sendTime ?? '2025-03-04 13:06:07',
      content: i.content,
      sign_name: i.signName ?? this.o.signName,
      dest_code: '1234',
      sequence_id: i.sequenceId ?? this.seq++,
    }));
    return {
      method: 'POST',
      url,
      headers: { host: new URL(url).host, 'content-type': 'application/json;charset=utf-8', 'user-agent': 'Apache-HttpClient/4.5' },
      body: JSON.stringify(body),
    };
  }

  private reply(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': String(body['RequestId']), ...headers });
    res.end(JSON.stringify(body));
  }

  /** ACS3-HMAC-SHA256 as Aliyun checks it: canonical request over method, path, sorted query, signed headers, payload hash. */
  private verify(req: IncomingMessage, url: URL, raw: Buffer): 'ok' | 'InvalidAccessKeyId.NotFound' | 'SignatureDoesNotMatch' | 'MissingAuthorization' {
    const auth = req.headers.authorization;
    if (!auth) return 'MissingAuthorization';
    const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return 'SignatureDoesNotMatch';
    if (m[1] !== this.o.accessKeyId) return 'InvalidAccessKeyId.NotFound';
    const payloadHash = createHash('sha256').update(raw).digest('hex');
    if (req.headers['x-acs-content-sha256'] !== payloadHash) return 'SignatureDoesNotMatch';
    const signed = m[2]!.split(';');
    if (!signed.includes('host') || !signed.includes('x-acs-action') || !signed.includes('x-acs-date')) return 'SignatureDoesNotMatch';
    const query = [...url.searchParams.keys()]
      .sort()
      .map((k) => `${k}=${encode(url.searchParams.get(k) ?? '')}`)
      .join('&');
    const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
    const canonical = `${req.method}\n${url.pathname}\n${query}\n${headers}\n${signed.join(';')}\n${payloadHash}`;
    const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
    const expected = createHmac('sha256', this.o.accessKeySecret).update(toSign).digest();
    const given = Buffer.from(m[3]!, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'SignatureDoesNotMatch';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const RequestId = randomBytes(8).toString('hex').toUpperCase();
    this.requests++;
    const check = this.verify(req, url, raw);
    if (check === 'MissingAuthorization') return this.reply(res, 400, { Code: 'MissingAuthorization', Message: 'Authorization is mandatory.', RequestId });
    if (check === 'InvalidAccessKeyId.NotFound') return this.reply(res, 404, { Code: check, Message: 'Specified access key is not found.', RequestId });
    if (check === 'SignatureDoesNotMatch') {
      this.badSignatures++;
      return this.reply(res, 400, { Code: check, Message: 'Specified signature does not match our calculation.', RequestId });
    }
    if (req.headers['x-acs-action'] !== 'SendSms' || req.headers['x-acs-version'] !== '2017-05-25') {
      return this.reply(res, 400, { Code: 'InvalidAction.NotFound', Message: 'Specified api is not found, please check your url and method.', RequestId });
    }
    if (this.throttled > 0) {
      this.throttled--;
      return this.reply(res, 400, { Code: 'Throttling.User', Message: 'Request was denied due to user flow control.', RequestId }, { 'x-acs-retry-after': '300' });
    }
    // RPC style: the parameters are in the query (a form body is accepted too).
    const p = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) if (!p.has(k)) p.set(k, v);
    const phoneNumbers = p.get('PhoneNumbers') ?? '';
    const signName = p.get('SignName') ?? '';
    const templateCode = p.get('TemplateCode') ?? '';
    const attempt = { phoneNumbers, at: Date.now(), code: 'OK' };
    this.attempts.push(attempt);
    const ok = (Code: string, Message: string) => {
      attempt.code = Code;
      this.reply(res, 200, { Code, Message, RequestId });
    };
    const wait = this.numberThrottles.get(phoneNumbers);
    if (wait !== undefined) {
      this.numberThrottles.delete(phoneNumbers);
      attempt.code = 'Throttling.User';
      return this.reply(res, 400, { Code: 'Throttling.User', Message: 'Request was denied due to user flow control.', RequestId }, { 'x-acs-retry-after': String(wait) });
    }
    if (!phoneNumbers) return ok('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (!/^(?:(?:\+|00)?86)?1[3-9]\d{9}$|^[1-9]\d{7,14}$/.test(phoneNumbers)) return ok('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (signName !== this.o.signName) return ok('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    if (templateCode !== this.o.templateCode) return ok('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(p.get('TemplateParam') ?? '{}') as Record<string, unknown>;
      if (!params || typeof params !== 'object' || Array.isArray(params)) throw new Error();
    } catch {
      return ok('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    const vars = [...this.o.template.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((x) => x[1]!);
    for (const v of vars) {
      const value = params[v];
      if (typeof value !== 'string') return ok(value === undefined ? 'isv.TEMPLATE_MISSING_PARAMETERS' : 'isv.INVALID_JSON_PARAM', `变量${v}不合法`);
      if ([...value].length > this.o.paramMax) return ok('isv.PARAM_LENGTH_LIMIT', '参数超出长度限制');
      if (/https?:\/\//i.test(value)) return ok('isv.PARAM_NOT_SUPPORT_URL', '不支持URL');
      if (/[【】]/.test(value)) return ok('isv.INVALID_PARAMETERS', '参数异常');
    }
    if (this.limited > 0) {
      this.limited--;
      return ok(this.limitCode, '触发天级流控Permits:50');
    }
    const dayKey = `${signName}|${templateCode}|${phoneNumbers}`;
    const count = (this.perDay.get(dayKey) ?? 0) + 1;
    if (count > this.o.dailyLimit) return ok('isv.BUSINESS_LIMIT_CONTROL', `触发天级流控Permits:${this.o.dailyLimit}`);
    this.perDay.set(dayKey, count);
    const strParams = params as Record<string, string>;
    const text = `【${signName}】${this.o.template.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, v: string) => strParams[v] ?? '')}`;
    const bizId = `${Date.now()}${String(this.seq++).padStart(6, '0')}^0`;
    const sms: SentAliyunSms = { phoneNumbers, signName, templateCode, params: strParams, text, bizId };
    this.sent.push(sms);
    this.onSent?.(sms);
    return this.reply(res, 200, { Code: 'OK', Message: 'OK', BizId: bizId, RequestId });
  }
}
