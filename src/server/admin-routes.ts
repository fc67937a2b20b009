import type { FastifyInstance } from 'fastify';
import { parseAuthorization } from './admin-auth.js';
import { renderAdminPage, type AdminNotice } from './admin-page.js';
import type { HealthStatus } from './health.js';
import { HTML_PAGE_HEADERS } from './html.js';
import {
  APPROVE_BODY_SCHEMA,
  ID_PATTERN,
  ID_SCHEMA,
  PLAN_ID_PARAMS_SCHEMA,
  RESYNC_BODY_SCHEMA,
  SYNC_MODE_SCHEMA,
} from './request-schemas.js';
import type { ServerActions } from './server-options.js';
import type { ReportStore } from '../reports/types.js';

/** Dependencies of the admin page and its forms. */
export interface AdminRouteOptions {
  actions: ServerActions;
  reports: ReportStore;
  health: () => Promise<HealthStatus>;
  hasReportPages: boolean;
}

interface AdminPageRequest {
  Querystring: { notice?: AdminNotice['kind']; jobId?: string; planId?: string; mode?: 'full' | 'incremental' };
}

/** Reports listed on the admin page. */
export const ADMIN_PAGE_REPORT_COUNT = 20;

const FORM_BODY_LIMIT_BYTES = 4_096;
const SAFE_ID = new RegExp(ID_PATTERN);

const ADMIN_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    notice: { type: 'string', enum: ['resync-queued', 'plan-approved', 'plan-not-found'] },
    jobId: ID_SCHEMA,
    planId: ID_SCHEMA,
    mode: { type: 'string', enum: SYNC_MODE_SCHEMA.enum },
  },
} as const;

/**
 * Registers `GET /admin` and the two form posts behind its buttons:
 * `POST /admin/resync` and `POST /admin/plans/:planId/approve`. Each post
 * redirects back to `/admin` with a notice (post/redirect/get), so reloading
 * the page does not queue the action again. Register it inside the
 * admin-guarded context.
 */
export async function registerAdminRoutes(app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  const { actions, reports, health } = options;

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT_BYTES },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );

  app.get<AdminPageRequest>('/admin', { schema: { querystring: ADMIN_QUERY_SCHEMA } }, async (request, reply) => {
    const [recentReports, heldPlans, status] = await Promise.all([
      reports.list(ADMIN_PAGE_REPORT_COUNT),
      actions.listHeldPlans(),
      health().catch((error: unknown): HealthStatus => {
        request.log.error({ err: error }, 'health check failed');
        return { checks: [{ name: 'health', isHealthy: false, detail: 'The health check itself failed; the daemon log has the error.' }] };
      }),
    ]);

    const credentials = parseAuthorization(request.headers.authorization);
    const page = renderAdminPage({
      reports: recentReports,
      heldPlans,
      checks: status.checks,
      lastSuccessfulSyncAt: status.lastSuccessfulSyncAt,
      hasReportPages: options.hasReportPages,
      notice: readNotice(request.query),
      approverName: credentials?.scheme === 'basic' ? credentials.username : undefined,
    });
    return reply.headers(HTML_PAGE_HEADERS).send(page);
  });

  app.post<{ Body: { mode?: 'full' | 'incremental' } }>(
    '/admin/resync',
    { schema: { body: RESYNC_BODY_SCHEMA } },
    async (request, reply) => {
      const mode = request.body.mode ?? 'full';
      const { jobId } = await actions.resync(mode);
      request.log.info({ mode, jobId }, 'resync queued');
      return reply.redirect(adminUrl({ notice: 'resync-queued', mode, jobId }), 303);
    },
  );

  app.post<{ Params: { planId: string }; Body: { approvedBy: string } }>(
    '/admin/plans/:planId/approve',
    { schema: { params: PLAN_ID_PARAMS_SCHEMA, body: APPROVE_BODY_SCHEMA } },
    async (request, reply) => {
      const { planId } = request.params;
      const result = await actions.approvePlan(planId, request.body.approvedBy);
      if (result === undefined) {
        request.log.info({ planId }, 'held plan not found');
        return reply.redirect(adminUrl({ notice: 'plan-not-found', planId }), 303);
      }
      request.log.info({ planId, jobId: result.jobId, approvedBy: request.body.approvedBy }, 'plan approved');
      return reply.redirect(adminUrl({ notice: 'plan-approved', planId, jobId: result.jobId }), 303);
    },
  );
}

function readNotice(query: AdminPageRequest['Querystring']): AdminNotice | undefined {
  switch (query.notice) {
    case 'resync-queued':
      return { kind: 'resync-queued', jobId: query.jobId, mode: query.mode };
    case 'plan-approved':
      return { kind: 'plan-approved', planId: query.planId, jobId: query.jobId };
    case 'plan-not-found':
      return { kind: 'plan-not-found', planId: query.planId };
    default:
      return undefined;
  }
}

// A job id that does not fit the id pattern is left out, because GET /admin would reject it.
function adminUrl(parameters: Record<string, string>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (name === 'notice' || name === 'mode' || SAFE_ID.test(value)) {
      query.set(name, value);
    }
  }
  return `/admin?${query.toString()}`;
}
