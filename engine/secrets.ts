import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hmacHex(secret: string | Buffer, value: string): string {
  return createHmac('sha256', secret).update(value).digest('hex');
}

/**
 * A secret kept in DATA_DIR, made on first use (mode 0600). Returns whether it was created, so start-up
 * can say where it is; the value itself is never printed or logged.
 */
export function fileSecret(dataDir: string, name: string): { value: string; path: string; created: boolean } {
  const path = join(dataDir, name);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), path, created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, path, created: true };
}
