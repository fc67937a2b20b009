import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ReportStore, RunReport, RunReportSummary } from '../reports/types.js';
import { negotiateReportFormat, REPORT_CONTENT_TYPES } from './content-negotiation.js';
import { HTML_PAGE_HEADERS } from './html.js';
import { HttpError } from './http-error.js';
import {
  REPORT_LIST_QUERY_SCHEMA,
  REPORT_QUERY_SCHEMA,
  RUN_ID_PARAMS_SCHEMA,
  type ReportFormat,
} from './request-schemas.js';
import type { ReportRenderer } from './server-options.js';

interface ReportListRequest {
  Querystring: { limit: number };
}

interface ReportRequest {
  Params: { runId: string };
  Querystring: { format?: ReportFormat };
}

/** Dependencies of the report routes. */
export interface ReportRouteOptions {
  reports: ReportStore;
  renderReport?: ReportRenderer;
}

/**
 * Registers `GET /api/reports` (the newest summaries), `GET /api/reports/:runId`
 * (one report as JSON, HTML or Markdown, chosen by `?format=` or by `Accept`)
 * and `GET /reports/:runId` (the HTML page). Without a renderer only JSON is
 * available, and the HTML page redirects to the JSON. Register it inside the
 * admin-guarded context, because reports name users.
 */
export async function registerReportRoutes(app: FastifyInstance, options: ReportRouteOptions): Promise<void> {
  const { reports, renderReport } = options;
  // JSON comes first so that a client sending no Accept header, or `*/*`, gets JSON.
  const available: readonly ReportFormat[] = renderReport === undefined ? ['json'] : ['json', 'html', 'markdown'];

  app.get<ReportListRequest>(
    '/api/reports',
    { schema: { querystring: REPORT_LIST_QUERY_SCHEMA } },
    async (request): Promise<{ reports: RunReportSummary[] }> => {
      return { reports: await reports.list(request.query.limit) };
    },
  );

  app.get<ReportRequest>(
    '/api/reports/:runId',
    { schema: { params: RUN_ID_PARAMS_SCHEMA, querystring: REPORT_QUERY_SCHEMA } },
    async (request, reply) => {
      const format = chooseFormat(request.query.format, request.headers.accept, available);
      const report = await loadReport(reports, request.params.runId);
      return sendReport(reply.header('vary', 'Accept'), report, format, renderReport);
    },
  );

  app.get<{ Params: { runId: string } }>(
    '/reports/:runId',
    { schema: { params: RUN_ID_PARAMS_SCHEMA } },
    async (request, reply) => {
      const { runId } = request.params;
      if (renderReport === undefined) {
        return reply.redirect(`/api/reports/${encodeURIComponent(runId)}?format=json`, 303);
      }
      const report = await loadReport(reports, runId);
      return sendReport(reply, report, 'html', renderReport);
    },
  );
}

function chooseFormat(
  requested: ReportFormat | undefined,
  accept: string | undefined,
  available: readonly ReportFormat[],
): ReportFormat {
  if (requested !== undefined) {
    if (!available.includes(requested)) {
      throw new HttpError(
        406,
        `Reports cannot be rendered as ${requested} because the daemon was started without a report renderer. Request format=json.`,
      );
    }
    return requested;
  }

  const negotiated = negotiateReportFormat(accept, available);
  if (negotiated === undefined) {
    const mediaTypes = available.map((format) => REPORT_CONTENT_TYPES[format].split(';')[0]).join(', ');
    throw new HttpError(406, `The Accept header allows none of the available report types: ${mediaTypes}. Or use ?format=.`);
  }
  return negotiated;
}

async function loadReport(reports: ReportStore, runId: string): Promise<RunReport> {
  const report = await reports.get(runId);
  if (report === undefined) {
    throw new HttpError(404, `No report has runId ${runId}. GET /api/reports lists the reports the daemon keeps.`);
  }
  return report;
}

function sendReport(
  reply: FastifyReply,
  report: RunReport,
  format: ReportFormat,
  renderReport: ReportRenderer | undefined,
): FastifyReply {
  if (renderReport === undefined) {
    return reply.type(REPORT_CONTENT_TYPES.json).send(report);
  }

  const body = renderReport(report, format);
  if (format === 'html') {
    return reply.headers(HTML_PAGE_HEADERS).send(body);
  }
  return reply.type(REPORT_CONTENT_TYPES[format]).send(body);
}
