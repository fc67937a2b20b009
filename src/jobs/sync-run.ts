import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { OrganizationClient } from '../ably/organization-client.js';
import type { Config } from '../config/schema.js';
import { applyChanges } from '../connectors/apply-changes.js';
import type { DirectoryConnector, DirectorySnapshot, IncrementalDirectoryConnector } from '../domain/directory.js';
import { OPERATION_PHASES } from '../domain/operations.js';
import type { OrganizationSnapshot } from '../domain/organization.js';
import type { ReconcilePlan } from '../domain/plan.js';
import { ConfigurationError, CursorExpiredError, FatalError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import { buildDesiredState, isActionableOperation, planFromDesiredState } from '../reconcile/index.js';
import type { ReportStore, RunReport, RunResults } from '../reports/types.js';
import type { SyncMetrics } from '../server/metrics.js';
import { operationJobId } from './job-ids.js';
import type { OperationJobData } from './operation-worker.js';
import type { SyncMode } from './queues.js';
import type { OperationOutcome, StateStore } from './state-store.js';

/** Everything a sync run reads from and writes to. */
export interface SyncDependencies {
  config: Config;
  connector: DirectoryConnector;
  client: OrganizationClient;
  state: StateStore;
  reports: ReportStore;
  operations: Queue<OperationJobData>;
  metrics: SyncMetrics;
  logger: Logger;
  now?: () => Date;
  /** How long a run waits for one phase's operations before it reports them as not finished. */
  phaseTimeoutMs?: number;
  pollIntervalMs?: number;
  /** The first BullMQ retry delay of an operation job, doubled on each retry. Default 2,000 ms. */
  operationBackoffMs?: number;
}

/** The directory a run planned from, and the cursor to store once its operations are enqueued. */
interface DirectoryRead {
  snapshot: DirectorySnapshot;
  cursor: string | undefined;
  /** False when the read could not move the cursor, so the stored one stays. */
  advancesCursor: boolean;
  mode: SyncMode;
  requestCount?: number;
}

/** The inputs and output of planning, shared by the daemon's runs and the `plan` command. */
export interface PlannedRun {
  directory: DirectoryRead;
  organization: OrganizationSnapshot;
  plan: ReconcilePlan;
  desired: ReturnType<typeof buildDesiredState>;
}

const OPERATION_ATTEMPTS = 5;
const OPERATION_BACKOFF_MS = 2_000;

/** Reads both sides and plans. Changes nothing, in Ably or in Redis. */
export async function readAndPlan(
  dependencies: Pick<SyncDependencies, 'config' | 'connector' | 'client' | 'logger' | 'now'> & {
    state: Pick<StateStore, 'deactivations' | 'cursor' | 'directory'>;
  },
  options: { mode: SyncMode; approvedPlanId?: string },
): Promise<PlannedRun> {
  const now = dependencies.now ?? (() => new Date());
  const directory = await readDirectory(dependencies, options.mode);
  const organization = await dependencies.client.readOrganization();
  const deactivatedAt = await dependencies.state.deactivations();

  const desired = buildDesiredState(directory.snapshot, dependencies.config);
  const plan = planFromDesiredState(desired, {
    directory: directory.snapshot,
    organization,
    config: dependencies.config,
    deactivatedAt,
    now: now(),
    approvedPlanId: options.approvedPlanId,
  });
  return { directory, organization, plan, desired };
}

/**
 * Runs one sync: reads the IdP and the organization, plans, and applies the
 * plan phase by phase through the operations queue, waiting for each phase so
 * that users and groups exist before memberships and roles refer to them.
 * A plan held by a safety threshold is reported and not applied.
 */
export async function runSync(
  dependencies: SyncDependencies,
  options: { mode: SyncMode; approvedPlanId?: string; runId?: string },
): Promise<RunReport> {
  const now = dependencies.now ?? (() => new Date());
  const runId = options.runId ?? `run-${now().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  const logger = dependencies.logger.child({ runId, mode: options.mode });
  const startedAt = now();
  const stopTimer = dependencies.metrics.syncDurationSeconds.startTimer({ mode: options.mode });
  logger.info('sync run started');

  let planned: PlannedRun;
  try {
    // An approval stored by the dashboard or the CLI also covers a scheduled run that plans the same id.
    const approvedPlanId = options.approvedPlanId ?? (await dependencies.state.approvedPlan())?.planId;
    planned = await readAndPlan({ ...dependencies, logger }, { mode: options.mode, approvedPlanId });
  } catch (error) {
    stopTimer();
    dependencies.metrics.syncRuns.inc({ mode: options.mode, result: 'failed' });
    logger.error({ err: error }, 'sync run failed before planning');
    throw error;
  }

  const { plan, desired, directory, organization } = planned;
  recordReadMetrics(dependencies.metrics, directory.snapshot, organization, plan);
  if (!directory.snapshot.isComplete) {
    logger.error({ reasons: directory.snapshot.incompleteReasons }, 'IdP read incomplete; planning without removals');
  }
  await dependencies.state.saveDesiredState(desired.users.values(), desired.groups.values());

  const changes = plan.operations.filter(isActionableOperation);
  const base = { runId, mode: directory.mode, startedAt: startedAt.toISOString(), plan };
  let report: RunReport;

  if (plan.hold) {
    report = { ...base, outcome: 'held', finishedAt: now().toISOString() };
    logger.warn({ planId: plan.id, removals: plan.hold.removalCount, reason: plan.hold.reason }, 'plan held for approval');
  } else {
    const results = await applyPlan(dependencies, { runId, plan, logger });
    if (directory.advancesCursor) {
      await dependencies.state.saveDirectory(directory.snapshot.source, directory.snapshot, directory.cursor);
    }
    if (plan.hold === undefined && (await dependencies.state.approvedPlan())?.planId === plan.id) {
      await dependencies.state.clearApproval();
    }
    const outcome = changes.length === 0 ? 'no-changes' : 'applied';
    report = { ...base, outcome, results, finishedAt: now().toISOString() };
  }

  await dependencies.reports.save(report);
  stopTimer();
  dependencies.metrics.syncRuns.inc({ mode: directory.mode, result: report.outcome });
  // A run that read only part of the IdP may have missed users, so it does not count as a success.
  if (report.outcome !== 'held' && directory.snapshot.isComplete) {
    dependencies.metrics.lastSuccessfulSyncSeconds.set({ mode: directory.mode }, Date.now() / 1000);
  }
  logger.info(
    {
      planId: plan.id,
      outcome: report.outcome,
      counts: plan.counts,
      applied: report.results?.applied ?? 0,
      skipped: report.results?.skipped ?? 0,
      failed: report.results?.failed ?? 0,
      idpUsers: directory.snapshot.users.length,
      idpGroups: directory.snapshot.groups.length,
      ablyUsers: organization.users.length,
      isSourceComplete: directory.snapshot.isComplete,
      durationMs: now().getTime() - startedAt.getTime(),
    },
    'sync run finished',
  );
  return report;
}

async function applyPlan(
  dependencies: SyncDependencies,
  context: { runId: string; plan: ReconcilePlan; logger: Logger },
): Promise<RunResults> {
  const results: RunResults = { applied: 0, skipped: 0, failed: 0, failures: [] };

  for (const [index, kinds] of OPERATION_PHASES.entries()) {
    const operations = context.plan.operations.filter((operation) => kinds.includes(operation.kind));
    if (operations.length === 0) continue;

    const jobs = operations.map((operation) => ({
      name: operation.kind,
      data: { runId: context.runId, operation },
      opts: {
        jobId: operationJobId(operation),
        attempts: OPERATION_ATTEMPTS,
        backoff: { type: 'exponential', delay: dependencies.operationBackoffMs ?? OPERATION_BACKOFF_MS },
        removeOnComplete: true,
        removeOnFail: true,
      },
    }));
    const jobIds = jobs.map((job) => job.opts.jobId);
    await dependencies.state.clearOutcomes(jobIds);
    await dependencies.operations.addBulk(jobs);
    context.logger.debug({ phase: index + 1, operations: jobs.length }, 'phase enqueued');

    const outcomes = await waitForOutcomes(dependencies, jobIds);
    jobIds.forEach((jobId, position) => {
      const outcome = outcomes.get(jobId);
      const operation = operations[position]!;
      if (!outcome) {
        results.failed += 1;
        results.failures.push({ operation: jobId, error: 'not finished before the phase timed out' });
      } else if (outcome.result === 'failed') {
        results.failed += 1;
        results.failures.push({ operation: jobId, error: outcome.detail ?? 'failed' });
      } else if (outcome.result === 'skipped' || !isActionableOperation(operation)) {
        results.skipped += 1;
      } else {
        results.applied += 1;
      }
    });
  }
  return results;
}

async function waitForOutcomes(dependencies: SyncDependencies, jobIds: string[]): Promise<Map<string, OperationOutcome>> {
  const timeoutMs = dependencies.phaseTimeoutMs ?? 15 * 60_000;
  const pollMs = dependencies.pollIntervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let outcomes = await dependencies.state.outcomes(jobIds);
  while (outcomes.size < jobIds.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    outcomes = await dependencies.state.outcomes(jobIds);
  }
  return outcomes;
}

async function readDirectory(
  dependencies: Pick<SyncDependencies, 'connector' | 'logger'> & { state: Pick<StateStore, 'cursor' | 'directory'> },
  mode: SyncMode,
): Promise<DirectoryRead> {
  const { connector, state, logger } = dependencies;
  if (!isIncremental(connector)) {
    return { snapshot: await connector.readFull(), cursor: undefined, advancesCursor: false, mode: 'full' };
  }

  if (mode === 'incremental') {
    const cursor = await state.cursor(connector.source);
    const cached = await state.directory(connector.source);
    if (cursor !== undefined && cached !== undefined) {
      try {
        const read = await connector.readChanges(cursor);
        if (!read.isComplete) {
          logger.warn({ reasons: read.incompleteReasons }, 'incremental read incomplete; keeping the stored cursor');
          const snapshot = { ...cached, isComplete: false, incompleteReasons: read.incompleteReasons };
          return { snapshot, cursor, advancesCursor: false, mode, requestCount: read.requestCount };
        }
        const snapshot = applyChanges(cached, read.changes);
        return { snapshot, cursor: read.nextCursor, advancesCursor: true, mode, requestCount: read.requestCount };
      } catch (error) {
        if (!(error instanceof CursorExpiredError || error instanceof ConfigurationError)) throw error;
        logger.warn({ err: error }, 'incremental read not possible; reading the directory in full');
      }
    } else {
      logger.info('no stored cursor yet; reading the directory in full');
    }
  }

  try {
    const { snapshot, cursor } = await connector.readFullWithCursor();
    return { snapshot, cursor, advancesCursor: snapshot.isComplete, mode: 'full' };
  } catch (error) {
    if (error instanceof FatalError) throw error;
    // Some reads cannot produce a cursor (an Entra userFilter, which /users/delta rejects, or a
    // failed delta round), but a plain full read still can plan. No cursor is stored, so the next
    // incremental sync reads in full as well.
    logger.warn({ err: error }, 'full read with a cursor failed; reading the directory without one');
    return { snapshot: await connector.readFull(), cursor: undefined, advancesCursor: false, mode: 'full' };
  }
}

function isIncremental(connector: DirectoryConnector): connector is IncrementalDirectoryConnector {
  return 'readChanges' in connector && 'readFullWithCursor' in connector;
}

function recordReadMetrics(metrics: SyncMetrics, directory: DirectorySnapshot, organization: OrganizationSnapshot, plan: ReconcilePlan): void {
  metrics.objects.set({ side: 'idp', type: 'users' }, directory.users.length);
  metrics.objects.set({ side: 'idp', type: 'groups' }, directory.groups.length);
  metrics.objects.set({ side: 'ably', type: 'users' }, organization.users.length);
  metrics.objects.set({ side: 'ably', type: 'groups' }, organization.groups.length);
  metrics.domainRejections.set(plan.operations.filter((operation) => operation.kind === 'domain-check').length);
  metrics.heldPlans.set(plan.hold ? 1 : 0);
}
