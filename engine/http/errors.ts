import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.ts';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  DUPLICATE: 409,
  PACK_INVALID: 500,
  PACK_NOT_FOUND: 500,
  CONFIG_INVALID: 500,
  UNAVAILABLE: 503,
  UNREACHABLE: 410,
};

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function sendError(c: Context, err: AppError) {
  return c.json(errorBody(err.code, err.message), STATUS[err.code]);
}

/** Reads and validates a JSON body; anything malformed is a 400 naming the field, before any work is done. */
export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new AppError('BAD_REQUEST', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('BAD_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}
