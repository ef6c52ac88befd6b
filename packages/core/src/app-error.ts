/**
 * The one error that crosses a boundary (HTTP, CLI). Its kind is a closed set,
 * mapped once to an HTTP status and once to a CLI exit code.
 */
export const AppErrorKind = {
  invalid: 'invalid',
  not_found: 'not_found',
  conflict: 'conflict',
  unauthorized: 'unauthorized',
  /** Known, but not allowed to do this (a read-only user's change, a marketer's key rotation). */
  forbidden: 'forbidden',
  rate_limited: 'rate_limited',
  /** A well-formed request whose work is over a limit (a query's cost or its running time). */
  too_costly: 'too_costly',
  unavailable: 'unavailable',
  internal: 'internal',
} as const;
export type AppErrorKind = (typeof AppErrorKind)[keyof typeof AppErrorKind];

export interface ErrorDetail {
  /** Where: a file path, a JSON pointer, a field name. */
  readonly where?: string;
  readonly line?: number;
  readonly field?: string;
  readonly message: string;
}

export class AppError extends Error {
  readonly kind: AppErrorKind;
  readonly details: readonly ErrorDetail[];
  constructor(
    kind: AppErrorKind,
    message: string,
    details: readonly ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.kind = kind;
    this.details = details;
  }
}

export const httpStatusOf: Record<AppErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  too_costly: 422,
  internal: 500,
  unavailable: 503,
};

/** Exit codes follow BSD sysexits where one fits. */
export const exitCodeOf: Record<AppErrorKind, number> = {
  invalid: 65, // EX_DATAERR
  not_found: 66, // EX_NOINPUT
  unauthorized: 77, // EX_NOPERM
  forbidden: 77,
  conflict: 75, // EX_TEMPFAIL: another process holds the store
  rate_limited: 75,
  too_costly: 65, // EX_DATAERR: the query asks too much
  unavailable: 69, // EX_UNAVAILABLE
  internal: 70, // EX_SOFTWARE
};

export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AppError('internal', message, [], { cause: e });
}
