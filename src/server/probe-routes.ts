import type { FastifyInstance } from 'fastify';
import type { HealthCheck, HealthStatus } from './health.js';
import type { SyncMetrics } from './metrics.js';

/** Dependencies of the liveness, readiness and metrics routes. */
export interface ProbeRouteOptions {
  health: () => Promise<HealthStatus>;
  metrics: SyncMetrics;
  /** How long `/readyz` waits for `health()` before it reports not ready. */
  healthTimeoutMs?: number;
}

/** The JSON body of `GET /readyz`. */
export interface ReadinessBody {
  status: 'ready' | 'not-ready';
  checks: HealthCheck[];
  failingChecks: string[];
  lastSuccessfulSyncAt?: string;
}

export const HEALTH_TIMEOUT_MS = 5_000;

/**
 * Registers `GET /healthz` (the process is up), `GET /readyz` (every health
 * check passes, else `503` naming the failing ones) and `GET /metrics`
 * (Prometheus text). None of them needs the admin token, because probes and
 * scrapers cannot log in.
 */
export async function registerProbeRoutes(app: FastifyInstance, options: ProbeRouteOptions): Promise<void> {
  const healthTimeoutMs = options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    const status = await readHealth(options.health, healthTimeoutMs).catch((error: unknown): HealthStatus => {
      request.log.error({ err: error }, 'health check failed');
      return { checks: [{ name: 'health', isHealthy: false, detail: 'The health check itself failed; the daemon log has the error.' }] };
    });

    const failingChecks = status.checks.filter((check) => !check.isHealthy).map((check) => check.name);
    const body: ReadinessBody = {
      status: failingChecks.length === 0 ? 'ready' : 'not-ready',
      checks: status.checks,
      failingChecks,
      ...(status.lastSuccessfulSyncAt === undefined ? {} : { lastSuccessfulSyncAt: status.lastSuccessfulSyncAt }),
    };
    if (failingChecks.length > 0) {
      request.log.warn({ failingChecks }, 'daemon not ready');
    }
    return reply.code(failingChecks.length === 0 ? 200 : 503).send(body);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
}

async function readHealth(health: () => Promise<HealthStatus>, timeoutMs: number): Promise<HealthStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthStatus>((resolve) => {
    timer = setTimeout(() => {
      resolve({ checks: [{ name: 'health', isHealthy: false, detail: `The health check did not finish within ${timeoutMs} ms.` }] });
    }, timeoutMs);
  });

  try {
    return await Promise.race([health(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
