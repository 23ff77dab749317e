import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { hmacHex, safeEqual } from '../../engine/secrets.ts';
import { randomCode } from '../../engine/ids.ts';

export const COOKIE = 'intake_web';

export interface IdentityOptions {
  /** WEB_IDENTITY_SECRET: the operator's site signs userIds with it (userHash = hex HMAC-SHA256(secret, userId)). */
  secret?: string;
  /** Signs the cookie identities the built-in page gets when no host site signs for it. */
  cookieKey: string;
}

function cookieValue(o: IdentityOptions, userId: string): string {
  return `${userId}.${hmacHex(o.cookieKey, `cookie:${userId}`)}`;
}

/** The userId a valid signed cookie names, if any. */
export function cookieUser(c: Context, o: IdentityOptions): string | undefined {
  const raw = getCookie(c, COOKIE);
  if (!raw) return undefined;
  const at = raw.lastIndexOf('.');
  const userId = raw.slice(0, at);
  return at > 0 && safeEqual(raw, cookieValue(o, userId)) ? userId : undefined;
}

export function issueCookieIdentity(c: Context, o: IdentityOptions): string {
  const existing = cookieUser(c, o);
  if (existing) return existing;
  const userId = `w_${randomCode(20).toLowerCase()}`;
  setCookie(c, COOKIE, cookieValue(o, userId), {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: 365 * 24 * 3600,
    secure: new URL(c.req.url).protocol === 'https:',
  });
  return userId;
}

/**
 * Whether this request may act as `userId`. Open mode (no secret) trusts the caller; otherwise the
 * host site's userHash or our own signed cookie must vouch for exactly this userId.
 */
export function mayActAs(c: Context, o: IdentityOptions, userId: string, userHash: string | undefined): boolean {
  if (!o.secret) return true;
  if (userHash && safeEqual(userHash.toLowerCase(), hmacHex(o.secret, userId))) return true;
  return cookieUser(c, o) === userId;
}
