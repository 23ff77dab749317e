/** The few error codes the service raises on purpose. Anything else is a bug and surfaces as INTERNAL. */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'PAYLOAD_TOO_LARGE'
  | 'PACK_INVALID'
  | 'PACK_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'DUPLICATE'
  /** A dependency (the store, a conversation held elsewhere) did not answer in time; try again shortly. */
  | 'UNAVAILABLE'
  /** The channel says the customer cannot be reached there (blocked the bot, texted STOP). */
  | 'UNREACHABLE';

export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
