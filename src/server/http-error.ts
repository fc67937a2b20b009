/**
 * An error that becomes one HTTP response. The server's error handler sends
 * its status code, its message and its headers as they are, so the message must
 * be written for the client and must not contain a secret.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  /** Response headers, for example `WWW-Authenticate` on a `401`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, message: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.headers = options.headers ?? {};
  }
}
