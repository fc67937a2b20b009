/** The result of one readiness check. */
export interface HealthCheck {
  /** A short, stable name, for example `redis` or `workers`. */
  name: string;
  isHealthy: boolean;
  /** One sentence for the operator: what was checked and what was found. */
  detail: string;
}

/**
 * Readiness of the daemon, as `GET /readyz` reports it. The daemon is ready when every check is
 * healthy. The jobs code fills in at least the `redis` check (from
 * `checkRedis`) and the `workers` check (from `checkWorkers`), and may add
 * its own.
 */
export interface HealthStatus {
  checks: HealthCheck[];
  /** ISO 8601 time of the last sync run that finished without error; absent before the first one. */
  lastSuccessfulSyncAt?: string;
}

/** The part of an ioredis client that `checkRedis` uses. */
export interface PingableRedis {
  ping(): Promise<string>;
}

/** The part of a BullMQ `Worker` that `checkWorkers` uses. */
export interface RunnableWorker {
  readonly name: string;
  isRunning(): boolean;
}

export const REDIS_PING_TIMEOUT_MS = 2_000;

/**
 * Sends PING and reports whether Redis replied within `timeoutMs`. The
 * timeout matters because a BullMQ connection (`maxRetriesPerRequest: null`)
 * queues commands while Redis is down instead of failing them.
 */
export async function checkRedis(client: PingableRedis, timeoutMs = REDIS_PING_TIMEOUT_MS): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });

  try {
    const reply = await Promise.race([client.ping(), timeout]);
    if (reply === 'timeout') {
      return { name: 'redis', isHealthy: false, detail: `Redis did not reply to PING within ${timeoutMs} ms.` };
    }
    return { name: 'redis', isHealthy: true, detail: 'Redis replied to PING.' };
  } catch {
    // The error text from ioredis can contain the connection URL, so only the fact is reported.
    return { name: 'redis', isHealthy: false, detail: 'Redis PING failed. Check that Redis is running and reachable.' };
  } finally {
    clearTimeout(timer);
  }
}

/** Reports whether every worker the daemon started is still running. */
export function checkWorkers(workers: readonly RunnableWorker[]): HealthCheck {
  if (workers.length === 0) {
    return { name: 'workers', isHealthy: false, detail: 'No workers were started.' };
  }

  const stopped = workers.filter((worker) => !worker.isRunning()).map((worker) => worker.name);
  if (stopped.length > 0) {
    return { name: 'workers', isHealthy: false, detail: `Workers not running: ${stopped.join(', ')}.` };
  }
  return { name: 'workers', isHealthy: true, detail: `${workers.length} workers running.` };
}
