import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics the daemon exports at `/metrics`. */
export interface SyncMetrics {
  registry: Registry;
  /** Sync runs by mode (`full`, `incremental`) and result (`applied`, `no-changes`, `held`, `failed`). */
  syncRuns: Counter<'mode' | 'result'>;
  syncDurationSeconds: Histogram<'mode'>;
  /** Operations applied by kind and result (`applied`, `skipped`, `failed`). */
  operations: Counter<'kind' | 'result'>;
  /** Users whose email domain is not the registered one, by the last plan. */
  domainRejections: Gauge;
  /** Plans waiting for an operator's approval. */
  heldPlans: Gauge;
  /** Unix time of the last run that finished without error, by mode. */
  lastSuccessfulSyncSeconds: Gauge<'mode'>;
  /** Users and groups the last read saw on each side. */
  objects: Gauge<'side' | 'type'>;
}

/** Creates the metrics in a registry of their own, so tests and replicas in one process do not collide. */
export function createMetrics(options: { collectDefault?: boolean } = {}): SyncMetrics {
  const registry = new Registry();
  if (options.collectDefault ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'ably_idp_sync_' });
  }
  return {
    registry,
    syncRuns: new Counter({
      name: 'ably_idp_sync_runs_total',
      help: 'Sync runs by mode and result.',
      labelNames: ['mode', 'result'],
      registers: [registry],
    }),
    syncDurationSeconds: new Histogram({
      name: 'ably_idp_sync_run_duration_seconds',
      help: 'Duration of sync runs, from the IdP read to the last applied operation.',
      labelNames: ['mode'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
      registers: [registry],
    }),
    operations: new Counter({
      name: 'ably_idp_sync_operations_total',
      help: 'Plan operations by kind and result.',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    domainRejections: new Gauge({
      name: 'ably_idp_sync_domain_rejections',
      help: 'Users in scope whose email domain is not the registered domain, as of the last plan.',
      registers: [registry],
    }),
    heldPlans: new Gauge({
      name: 'ably_idp_sync_held_plans',
      help: 'Plans held by a safety threshold and waiting for approval.',
      registers: [registry],
    }),
    lastSuccessfulSyncSeconds: new Gauge({
      name: 'ably_idp_sync_last_success_timestamp_seconds',
      help: 'Unix time of the last sync run that finished without error.',
      labelNames: ['mode'],
      registers: [registry],
    }),
    objects: new Gauge({
      name: 'ably_idp_sync_objects',
      help: 'Users and groups seen by the last read, by side (idp, ably) and type.',
      labelNames: ['side', 'type'],
      registers: [registry],
    }),
  };
}
