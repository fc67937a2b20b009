/**
 * SCIM error responses of the emulator (RFC 7644 §3.12).
 *
 * These are not the client's error taxonomy in `src/errors`: that one drives
 * retry and skip decisions inside the daemon, while this one only carries an
 * HTTP status and a `scimType` from a request handler to the response writer.
 */

/** The `scimType` values that RFC 7644 §3.12 defines. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A request the emulator rejects; the server turns it into an RFC 7644 error body. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  /** Extra response headers, such as `Retry-After` on a 429. */
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, options: { scimType?: ScimType; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = options.scimType;
    this.headers = options.headers ?? {};
  }

  /** Builds the RFC 7644 error body, with `status` as a string as the RFC's examples show it. */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { schemas: [ERROR_SCHEMA], status: String(this.status) };
    if (this.scimType) {
      body.scimType = this.scimType;
    }
    body.detail = this.message;
    return body;
  }
}

/** Builds a 400 error with a `scimType`. */
export function badRequest(scimType: ScimType, detail: string): ScimError {
  return new ScimError(400, detail, { scimType });
}

/** Builds a 404 error for a resource id that does not exist. */
export function notFound(resourceType: string, id: string): ScimError {
  return new ScimError(404, `${resourceType} ${id} not found`);
}
