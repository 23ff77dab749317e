import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tencent's callback crypto (WXBizMsgCrypt), shared by the WeChat Official Account (safe mode) and WeCom:
 * sha1 signatures over the sorted parameters, AES-256-CBC with key = base64(EncodingAESKey + '='),
 * IV = key[0..16), PKCS#7 padding to 32-byte blocks, plaintext = random(16) | uint32BE(len) | msg | receiveId.
 * Tests check it against Tencent's own @wecom/crypto in both directions.
 */

/** sha1 hex of the parameters sorted lexicographically and joined: `signature` and `msg_signature`. */
export function wxSignature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Constant-time comparison of a received hex signature with the expected one. */
export function signatureMatches(received: string | undefined | null, expected: string): boolean {
  if (!received) return false;
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The 32-byte AES key from a 43-character EncodingAESKey, or null if it is not one. */
export function aesKeyFrom(encodingAesKey: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) return null;
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  return key.length === 32 ? key : null;
}

/** Decrypts an `Encrypt` value; null when it does not decrypt to a well-formed plaintext. */
export function wxDecrypt(key: Buffer, encrypted: string): { message: string; receiveId: string } | null {
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 32 !== 0) return null;
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return null;
  }
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32 || pad > plain.length) return null;
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) return null;
  const len = body.readUInt32BE(16);
  if (20 + len > body.length) return null;
  return {
    message: body.subarray(20, 20 + len).toString('utf8'),
    receiveId: body.subarray(20 + len).toString('utf8'),
  };
}

/** Encrypts `message` for `receiveId` (AppID or CorpID), as the platform (or an encrypted passive reply) does. */
export function wxEncrypt(key: Buffer, message: string, receiveId: string, random: Buffer = randomBytes(16)): string {
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (body.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** Constant-time equality of two short strings (the AppID/CorpID check). */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
