import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, NotFoundError, TransientError } from '../errors/index.js';
import { HttpError } from './http-error.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** The id under which the server logged the failure. */
  requestId: string;
}

interface ErrorResponse {
  statusCode: number;
  message: string;
  headers: Record<string, string>;
}

const INTERNAL_ERROR_MESSAGE = 'The server failed to handle the request. The daemon log has the details under this requestId.';

/**
 * Installs the root error handler, the `404` handler and the hook that logs
 * each failed request once with its request id. Call it before registering
 * routes and plugins so that their contexts inherit the hook. A plugin may
 * set its own error handler (bull-board does); its errors are still logged here.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.addHook('onError', async (request, _reply, error) => {
    logFailure(request, error, toErrorResponse(error).statusCode);
  });

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const response = toErrorResponse(error);
    return sendError(request, reply, response);
  });

  app.setNotFoundHandler(async (request, reply) => {
    request.log.info({ method: request.method }, 'route not found');
    return sendError(request, reply, {
      statusCode: 404,
      message: `No route matches ${request.method} ${request.url.split('?')[0] ?? ''}. GET /admin links to every page.`,
      headers: {},
    });
  });
}

/**
 * Logs `error` and sends it as the error response, without going through an
 * error handler. For hooks that run inside a plugin with its own error
 * handler (bull-board's would drop the `WWW-Authenticate` header).
 */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, error: HttpError): FastifyReply {
  const response = toErrorResponse(error);
  logFailure(request, error, response.statusCode);
  return sendError(request, reply, response);
}

function sendError(request: FastifyRequest, reply: FastifyReply, response: ErrorResponse): FastifyReply {
  const body: ErrorBody = {
    statusCode: response.statusCode,
    error: STATUS_CODES[response.statusCode] ?? 'Error',
    message: response.message,
    requestId: request.id,
  };
  return reply.code(response.statusCode).headers(response.headers).type('application/json; charset=utf-8').send(body);
}

/**
 * Maps an error to the response sent to the client. Only `HttpError`, schema
 * validation, fastify's own `4xx` errors (bad JSON, wrong content type, body
 * too large) and three `SyncError` types from the actions keep their message.
 * Everything else becomes a generic `500`, so no stack trace or internal
 * detail leaves the process.
 */
function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof HttpError) {
    return { statusCode: error.statusCode, message: error.message, headers: { ...error.headers } };
  }
  if (error instanceof NotFoundError) {
    return { statusCode: 404, message: error.message, headers: {} };
  }
  if (error instanceof ConflictError) {
    return { statusCode: 409, message: error.message, headers: {} };
  }
  if (error instanceof TransientError) {
    const headers: Record<string, string> =
      error.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) };
    return { statusCode: 503, message: 'A service the daemon depends on is unavailable. Retry later.', headers };
  }

  const statusCode = readStatusCode(error);
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500 && error instanceof Error) {
    return { statusCode, message: error.message, headers: {} };
  }
  return { statusCode: 500, message: INTERNAL_ERROR_MESSAGE, headers: {} };
}

function readStatusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) {
    return undefined;
  }
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

function logFailure(request: FastifyRequest, error: unknown, statusCode: number): void {
  const fields = { method: request.method, route: request.routeOptions.url, statusCode };
  if (statusCode >= 500) {
    request.log.error({ ...fields, err: error }, 'request failed');
  } else if (statusCode === 401 || statusCode === 403) {
    // The err object is left out because the request it came from carried credentials.
    request.log.warn(fields, 'admin request rejected');
  } else {
    request.log.info({ ...fields, reason: error instanceof Error ? error.message : undefined }, 'request rejected');
  }
}
