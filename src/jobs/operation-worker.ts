import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OrganizationClient } from '../ably/organization-client.js';
import type { Operation } from '../domain/operations.js';
import { FatalError, SyncError, TransientError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import type { SyncMetrics } from '../server/metrics.js';
import { applyOperation } from './apply-operation.js';
import { operationKey } from '../reconcile/index.js';
import { OPERATIONS_QUEUE } from './queues.js';
import type { OperationOutcome, StateStore } from './state-store.js';

/** The payload of an operation job: the run that planned it and the operation. No secret, no full user record. */
export interface OperationJobData {
  runId: string;
  operation: Operation;
}

export interface OperationWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  client: OrganizationClient;
  state: StateStore;
  metrics: SyncMetrics;
  logger: Logger;
  adoptExisting: boolean;
  now?: () => Date;
}

/**
 * Starts the worker that applies operation jobs. Every replica runs one; they
 * share the queue, so operations spread across replicas.
 *
 * Transient failures are thrown back to BullMQ, which retries with backoff
 * (or, when the server named a wait, pauses the whole queue for it, since the
 * SCIM endpoint's limit is shared). Object-level failures are recorded and
 * not retried: the next run plans them again if they still matter.
 */
export function startOperationWorker(options: OperationWorkerOptions): Worker<OperationJobData> {
  const now = options.now ?? (() => new Date());
  const worker: Worker<OperationJobData> = new Worker<OperationJobData>(
    OPERATIONS_QUEUE,
    async (job) => processOperation(job, worker, options, now),
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency, autorun: true },
  );
  worker.on('error', (error) => options.logger.error({ err: error }, 'operation worker error'));
  return worker;
}

async function processOperation(
  job: Job<OperationJobData>,
  worker: Worker<OperationJobData>,
  options: OperationWorkerOptions,
  now: () => Date,
): Promise<OperationOutcome> {
  const { operation, runId } = job.data;
  const jobId = job.id ?? 'unknown';
  const logger = options.logger.child({ runId, jobId, operation: operation.kind, externalId: operationKey(operation) });
  const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

  const finish = async (outcome: Omit<OperationOutcome, 'finishedAt'>): Promise<OperationOutcome> => {
    const recorded = { ...outcome, finishedAt: now().toISOString() };
    await options.state.recordOutcome(jobId, recorded);
    options.metrics.operations.inc({ kind: operation.kind, result: outcome.result });
    return recorded;
  };

  try {
    const result = await applyOperation(operation, {
      client: options.client,
      state: options.state,
      logger,
      adoptExisting: options.adoptExisting,
      now,
    });
    logger.debug({ result: result.result, detail: result.detail }, 'operation finished');
    return await finish(result);
  } catch (error) {
    if (error instanceof FatalError) {
      logger.error({ err: error }, 'operation failed and cannot succeed in this run');
      await finish({ result: 'failed', detail: error.message, writes: 0 });
      throw new UnrecoverableError(error.message);
    }
    if (error instanceof SyncError && !(error instanceof TransientError)) {
      logger.warn({ err: error }, 'operation skipped: the object was rejected');
      return finish({ result: 'failed', detail: error.message, writes: 0 });
    }
    if (isLastAttempt) {
      logger.error({ err: error, attempts: job.attemptsMade + 1 }, 'operation failed after its last attempt');
      await finish({ result: 'failed', detail: errorText(error), writes: 0 });
      throw error;
    }
    if (error instanceof TransientError && error.retryAfterMs !== undefined) {
      logger.warn({ retryAfterMs: error.retryAfterMs }, 'SCIM endpoint asked to wait; pausing the operations queue');
      await worker.rateLimit(error.retryAfterMs);
      throw Worker.RateLimitError();
    }
    logger.warn({ err: error, attempt: job.attemptsMade + 1 }, 'operation failed, will retry');
    throw error;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
