/**
 * HTTP errors in OpenAI's shape: `{ "error": { "message", "type", "param", "code" } }` with the
 * status the official clients map to their error classes (400 BadRequestError, 401
 * AuthenticationError, 404 NotFoundError, 413, 429 RateLimitError, 503).
 */

const MARKER = Symbol.for('tessera.serve.ApiError');

/** The kinds of error this server answers with. */
export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error' | 'service_unavailable';

/**
 * An error that becomes an HTTP response.
 *
 * @example
 * ```ts
 * throw new ApiError(400, 'temperature must be at most 2', { param: 'temperature', code: 'invalid_value' });
 * ```
 */
export class ApiError extends Error {
  readonly [MARKER] = true;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers (Retry-After on 429). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    message: string,
    options: { type?: ApiErrorType; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.type = options.type ?? (status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : status === 429 ? 'rate_limit_error' : status === 503 ? 'service_unavailable' : status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  /** True for an ApiError from any copy of this module. */
  static isInstance(value: unknown): value is ApiError {
    return typeof value === 'object' && value !== null && (value as { [MARKER]?: unknown })[MARKER] === true;
  }

  /** The JSON body. */
  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 for one bad parameter. */
export function invalidParameter(param: string, message: string, code = 'invalid_value'): ApiError {
  return new ApiError(400, message, { param, code });
}
