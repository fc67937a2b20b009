import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { createAdminGuard } from './admin-auth.js';
import { registerActionRoutes } from './action-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { installErrorHandling } from './error-handling.js';
import { registerProbeRoutes } from './probe-routes.js';
import { registerQueueDashboard } from './queue-dashboard.js';
import { registerReportRoutes } from './report-routes.js';
import { formatSchemaErrors } from './request-schemas.js';
import type { ServerOptions } from './server-options.js';

export type { HealthCheck, HealthStatus } from './health.js';
export type { ReportRenderer, ServerActions, ServerOptions } from './server-options.js';

const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Builds the operator HTTP server: `/healthz`, `/readyz` and `/metrics` open
 * to probes and scrapers, and behind the admin token the `/admin` page, the
 * bull-board dashboard at `/admin/queues`, the reports and the resync and
 * approve API. The server is not listening yet; the caller calls
 * `listen({ host, port })` and, on shutdown, `close()`.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger>({
    loggerInstance: options.logger.child({ component: 'http' }),
    // Probes and scrapers would fill the log with a line per request; errors are logged by installErrorHandling.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, verbose: true } },
    schemaErrorFormatter: formatSchemaErrors,
    bodyLimit: BODY_LIMIT_BYTES,
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
  });
  installErrorHandling(app);

  await registerProbeRoutes(app, { health: options.health, metrics: options.metrics });

  await app.register(async (admin) => {
    admin.addHook('onRequest', createAdminGuard(options.adminToken));
    acceptEmptyJsonBody(admin);

    await registerQueueDashboard(admin, options.queues);
    await registerAdminRoutes(admin, {
      actions: options.actions,
      reports: options.reports,
      health: options.health,
      hasReportPages: options.renderReport !== undefined,
    });
    await registerActionRoutes(admin, options.actions);
    await registerReportRoutes(admin, { reports: options.reports, renderReport: options.renderReport });
  });

  return app;
}

/**
 * Lets `POST /api/resync` be sent with `Content-Type: application/json` and
 * no body, as `curl -X POST -H 'content-type: application/json'` does, by
 * reading an empty body as `{}`. Other bodies go to fastify's own JSON parser,
 * which keeps its prototype-poisoning checks.
 */
function acceptEmptyJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      done(null, {});
      return;
    }
    parseJson(request, String(body), done);
  });
}
