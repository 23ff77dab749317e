import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type { WebhookRequest } from '../../engine/channels.ts';

/**
 * A fake api.twilio.com for the real twilio SDK (pointed here by TWILIO_API_BASE): the Messages
 * resource with HTTP Basic auth (AccountSid:AuthToken), Twilio's JSON error bodies, 429 on request
 * (for any send, or for one number; every send attempt is recorded per number),
 * 21610 for numbers that texted STOP, and the platform side of inbound messages: form posts signed
 * with X-Twilio-Signature exactly as Twilio signs them (twilio's own getExpectedTwilioSignature).
 */

export interface SentSms {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  sid: string;
}

export interface TwilioFakeOptions {
  accountSid: string;
  authToken: string;
}

const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);

const hex32 = () => randomBytes(16).toString('hex');

export class TwilioFake {
  readonly accountSid: string;
  readonly authToken: string;
  /** Every accepted message, in order. */
  readonly sent: SentSms[] = [];
  /** Requests to the Messages resource, accepted or not (429s included). */
  requests = 0;
  /** Numbers that texted STOP (Twilio's own opt-out list): sends to them fail with 21610. */
  readonly optedOut = new Set<string>();
  /** Called after each accepted message (tests use it to change the fake's behaviour mid-send). */
  onSent: ((m: SentSms) => void) | undefined;
  private tooMany = 0;
  private retryAfter = 1;
  private numberLimits = new Map<string, number | undefined>();
  private attempts: Array<{ to: string; at: number; status: number }> = [];
  private server: Server | null = null;
  base = '';

  constructor(o: TwilioFakeOptions) {
    this.accountSid = o.accountSid;
    this.authToken = o.authToken;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.server = null;
  }

  /** The next `n` sends answer 429 (Twilio error 20429) with Retry-After. */
  rateLimitNext(n = 1, retryAfterSeconds = 1): void {
    this.tooMany = n;
    this.retryAfter = retryAfterSeconds;
  }

  /**
   * The next send to this number answers 429 with Twilio error 20429 "Too Many Requests". Twilio documents
   * no Retry-After for it ("wait a short period"): the header is added only when a test gives seconds.
   */
  rateLimitTo(to: string, retryAfterSeconds?: number): void {
    this.numberLimits.set(to, retryAfterSeconds);
  }

  /** Every send request to this number, in order, refused ones included: when it came and the HTTP status answered. */
  attemptsTo(to: string): Array<{ at: number; status: number }> {
    return this.attempts.filter((a) => a.to === to).map(({ at, status }) => ({ at, status }));
  }

  /** What was sent to one number, as texts. */
  textsTo(to: string): string[] {
    return this.sent.filter((m) => m.to === to).map((m) => m.body);
  }

  reset(): void {
    this.sent.length = 0;
    this.requests = 0;
    this.optedOut.clear();
    this.tooMany = 0;
    this.numberLimits.clear();
    this.attempts.length = 0;
    this.onSent = undefined;
  }

  /**
   * An inbound SMS as Twilio delivers it to `url` (the public webhook URL): form-encoded parameters and
   * X-Twilio-Signature over url + sorted parameters. A STOP/START keyword also updates the fake's own
   * opt-out list, as Twilio's default opt-out handling does.
   */
  inbound(o: { url: string; from: string; body: string; to?: string; messageSid?: string; extra?: Record<string, string> }): WebhookRequest {
    const params: Record<string, string> = {
      ToCountry: 'US',
      ToState: 'CA',
      SmsMessageSid: o.messageSid ?? `SM${hex32()}`,
      NumMedia: '0',
      ToCity: '',
      FromZip: '',
      SmsSid: o.messageSid ?? '',
      FromState: '',
      SmsStatus: 'received',
      FromCity: '',
      Body: o.body,
      FromCountry: o.from.startsWith('+86') ? 'CN' : 'US',
      To: o.to ?? '+15005550006',
      ToZip: '',
      NumSegments: '1',
      MessageSid: o.messageSid ?? '',
      AccountSid: this.accountSid,
      From: o.from,
      ApiVersion: '2010-04-01',
      ...o.extra,
    };
    params['SmsSid'] = params['SmsMessageSid']!;
    params['MessageSid'] = params['SmsMessageSid']!;
    const keyword = o.body.trim().toUpperCase();
    if (OPT_OUT.has(keyword)) this.optedOut.add(o.from);
    if (OPT_IN.has(keyword)) this.optedOut.delete(o.from);
    return this.signed(o.url, params);
  }

  /** A form post to `url` signed with this account's token (any parameters, e.g. a malformed delivery). */
  signed(url: string, params: Record<string, string>): WebhookRequest {
    const body = new URLSearchParams(params).toString();
    const signature = twilio.getExpectedTwilioSignature(this.authToken, url, params);
    return {
      method: 'POST',
      url,
      headers: {
        host: new URL(url).host,
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': randomBytes(8).toString('hex'),
        'user-agent': 'TwilioProxy/1.1',
      },
      body,
    };
  }

  /** The same delivery signed with a wrong token, i.e. not from Twilio. */
  forged(req: WebhookRequest): WebhookRequest {
    const params = Object.fromEntries(new URLSearchParams(req.body));
    return { ...req, headers: { ...req.headers, 'x-twilio-signature': twilio.getExpectedTwilioSignature('0'.repeat(32), req.url, params) } };
  }

  private error(res: ServerResponse, status: number, code: number, message: string, extra: Record<string, string> = {}): void {
    this.attempt.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...extra });
    res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
  }

  /** The request being answered (error() marks its status); recorded when it names a recipient. */
  private attempt: { to: string; at: number; status: number } = { to: '', at: 0, status: 0 };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const recipient = new URLSearchParams(raw).get('To') ?? '';
    this.attempt = { to: recipient, at: Date.now(), status: 201 };
    if (recipient) this.attempts.push(this.attempt);
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(new URL(req.url ?? '/', this.base).pathname);
    if (!m || req.method !== 'POST') return this.error(res, 404, 20404, 'The requested resource was not found');
    this.requests++;
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || m[1] !== this.accountSid) {
      return this.error(res, 401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    if (this.tooMany > 0) {
      this.tooMany--;
      return this.error(res, 429, 20429, 'Too Many Requests', { 'retry-after': String(this.retryAfter) });
    }
    if (this.numberLimits.has(recipient)) {
      const seconds = this.numberLimits.get(recipient);
      this.numberLimits.delete(recipient);
      return this.error(res, 429, 20429, 'Too Many Requests', seconds !== undefined ? { 'retry-after': String(seconds) } : {});
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return this.error(res, 400, 20001, 'Unsupported content type');
    }
    const form = new URLSearchParams(raw);
    const to = form.get('To');
    const body = form.get('Body');
    const from = form.get('From') ?? undefined;
    const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined;
    if (!to) return this.error(res, 400, 21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return this.error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !messagingServiceSid) return this.error(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return this.error(res, 400, 21602, 'Message body is required.');
    if (body.length > 1600) return this.error(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (this.optedOut.has(to)) return this.error(res, 400, 21610, 'Attempt to send to unsubscribed recipient');
    const sid = `SM${hex32()}`;
    const sms: SentSms = { to, body, sid, ...(from ? { from } : {}), ...(messagingServiceSid ? { messagingServiceSid } : {}) };
    this.sent.push(sms);
    this.onSent?.(sms);
    const now = new Date().toUTCString();
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        account_sid: this.accountSid,
        api_version: '2010-04-01',
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: from ?? null,
        messaging_service_sid: messagingServiceSid ?? null,
        num_media: '0',
        num_segments: '1',
        price: null,
        price_unit: 'USD',
        sid,
        status: messagingServiceSid && !from ? 'accepted' : 'queued',
        subresource_uris: { media: `/2010-04-01/Accounts/${this.accountSid}/Messages/${sid}/Media.json` },
        to,
        uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${sid}.json`,
      }),
    );
  }
}
