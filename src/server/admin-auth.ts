import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Secret } from '../config/secret.js';
import { replyWithError } from './error-handling.js';
import { HttpError } from './http-error.js';

/** Credentials from an `Authorization` header, before they are checked. */
export type AdminCredentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string };

const CHALLENGE = 'Basic realm="ably-idp-sync admin", charset="UTF-8", Bearer realm="ably-idp-sync admin"';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Creates the `onRequest` hook that guards every admin route. It accepts HTTP
 * Basic with any username and the admin token as the password, so a browser
 * can log in, or `Authorization: Bearer <token>`. Without a configured token
 * every admin route responds with `503`.
 */
export function createAdminGuard(adminToken: Secret | undefined): onRequestAsyncHookHandler {
  const expectedDigest = adminToken === undefined ? undefined : digest(adminToken.reveal());

  return async (request, reply) => {
    const rejection = checkAdminRequest(request, expectedDigest);
    if (rejection !== undefined) {
      return replyWithError(request, reply, rejection);
    }
  };
}

function checkAdminRequest(request: FastifyRequest, expectedDigest: Buffer | undefined): HttpError | undefined {
  if (expectedDigest === undefined) {
    return new HttpError(
      503,
      'Admin routes are disabled because no admin token is configured. Set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) and restart the daemon.',
    );
  }

  const credentials = parseAuthorization(request.headers.authorization);
  const presented = credentials?.scheme === 'basic' ? credentials.password : credentials?.token;
  if (presented === undefined || !timingSafeEqual(digest(presented), expectedDigest)) {
    return new HttpError(
      401,
      credentials === undefined
        ? 'Authentication required. Send HTTP Basic credentials with the admin token as the password, or Authorization: Bearer <admin token>.'
        : 'The admin token is wrong. Send the value of ADMIN_TOKEN as the Basic password or the Bearer token.',
      { headers: { 'www-authenticate': CHALLENGE } },
    );
  }

  return rejectCrossOriginWrite(request);
}

/**
 * Parses a Basic or Bearer `Authorization` header. Returns undefined for a
 * missing header, another scheme, or a Basic value that is not base64 of
 * `username:password`.
 */
export function parseAuthorization(header: string | undefined): AdminCredentials | undefined {
  if (header === undefined) {
    return undefined;
  }

  const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2];
  if (value === undefined) {
    return undefined;
  }

  if (scheme === 'bearer') {
    return { scheme: 'bearer', token: value };
  }
  if (scheme !== 'basic') {
    return undefined;
  }

  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// Hashing first gives both sides the same length, which timingSafeEqual requires,
// so the comparison time does not reveal the token's length either.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Browsers resend cached Basic credentials on any request to this origin,
 * including a form that another site posts here. Rejecting writes whose
 * `Origin` is another site stops that, while curl and other clients that send
 * no `Origin` are unaffected.
 *
 * NOTE: behind a reverse proxy that rewrites `Host`, same-site form posts are
 * rejected too unless the proxy passes the original `Host` through.
 */
function rejectCrossOriginWrite(request: FastifyRequest): HttpError | undefined {
  const origin = request.headers.origin;
  if (SAFE_METHODS.has(request.method) || origin === undefined) {
    return undefined;
  }

  if (!isSameOrigin(origin, request.headers.host)) {
    return new HttpError(403, 'Cross-origin writes to admin routes are rejected. Send the request from the admin page or without an Origin header.');
  }
  return undefined;
}

// Both sides go through URL so that a default port (":80" in Host, absent in Origin) compares equal.
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) {
    return false;
  }
  try {
    const originUrl = new URL(origin);
    return originUrl.host === new URL(`${originUrl.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
