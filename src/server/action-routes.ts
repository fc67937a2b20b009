import type { FastifyInstance } from 'fastify';
import type { RunReportSummary } from '../reports/types.js';
import { HttpError } from './http-error.js';
import { APPROVE_BODY_SCHEMA, PLAN_ID_PARAMS_SCHEMA, RESYNC_BODY_SCHEMA } from './request-schemas.js';
import type { ServerActions } from './server-options.js';

interface ResyncRequest {
  Body: { mode?: 'full' | 'incremental' } | undefined;
}

interface ApproveRequest {
  Params: { planId: string };
  Body: { approvedBy: string };
}

/**
 * Registers the JSON API that changes state: `POST /api/resync`,
 * `GET /api/plans/held` and `POST /api/plans/:planId/approve`. Register it
 * inside the admin-guarded context.
 */
export async function registerActionRoutes(app: FastifyInstance, actions: ServerActions): Promise<void> {
  app.post<ResyncRequest>(
    '/api/resync',
    {
      schema: { body: RESYNC_BODY_SCHEMA },
      // A POST without any body means the default mode, so it is validated as `{}`.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const mode = request.body?.mode ?? 'full';
      const { jobId } = await actions.resync(mode);
      request.log.info({ mode, jobId }, 'resync queued');
      return reply.code(202).send({ jobId, mode });
    },
  );

  app.get('/api/plans/held', async (): Promise<{ plans: RunReportSummary[] }> => {
    return { plans: await actions.listHeldPlans() };
  });

  app.post<ApproveRequest>(
    '/api/plans/:planId/approve',
    { schema: { params: PLAN_ID_PARAMS_SCHEMA, body: APPROVE_BODY_SCHEMA } },
    async (request, reply) => {
      const { planId } = request.params;
      const result = await actions.approvePlan(planId, request.body.approvedBy);
      if (result === undefined) {
        throw new HttpError(404, `No held plan has planId ${planId}. GET /api/plans/held lists the plans waiting for approval.`);
      }
      request.log.info({ planId, jobId: result.jobId, approvedBy: request.body.approvedBy }, 'plan approved');
      return reply.code(202).send({ jobId: result.jobId, planId });
    },
  );
}
