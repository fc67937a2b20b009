import { randomBytes } from 'node:crypto';
import { Secret } from '../src/config/secret.js';
import { createEntraConnector } from '../src/connectors/entra/index.js';
import { createOktaConnector } from '../src/connectors/okta/index.js';
import type { DirectorySnapshot } from '../src/domain/directory.js';
import { createLogger } from '../src/logging.js';
import { startGraphServer } from '../src/sandbox/graph-server.js';
import { startOktaServer } from '../src/sandbox/okta-server.js';
import { createSampleDirectory } from '../src/sandbox/sample-directory.js';
import { formatCount, formatMib, formatMs, markdownTable, median, RssSampler, timed } from './measure.js';
import type { Benchmark } from './options.js';

const DEFAULT_USERS = [1_000, 10_000];
/** Warm reads after the first one. The table reports their median. */
const WARM_READS = 3;

/** The measurements of one connector at one directory size. */
interface ReadRow {
  users: number;
  /** Users in the snapshot, which can be fewer: the Entra connector leaves out guests unless `includeGuests` is set. */
  usersRead: number;
  groups: number;
  firstReadMs: number;
  warmMedianMs: number;
  requestsPerRead: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  isComplete: boolean;
}

/** A connector under test, with its request counter and the server behind it. */
interface ReadTarget {
  read(): Promise<DirectorySnapshot>;
  requestCount(): number;
  close(): Promise<void>;
}

/** Full reads with the real Okta SDK against the local Okta server. */
const oktaReadBenchmark: Benchmark = {
  name: 'okta-read',
  description: 'Okta connector full read (real SDK) against the local Okta server',
  async run(options) {
    const rows: ReadRow[] = [];
    for (const users of options.users ?? DEFAULT_USERS) {
      rows.push(await measureReads(users, startOktaTarget));
    }
    return render('Okta full read', rows, 'Okta server page size 200 (`limit`), connector `pageSize` 200.');
  },
};

/** Full reads with the Entra connector (`@azure/identity`, Graph over HTTPS) against the local Graph server. */
const entraReadBenchmark: Benchmark = {
  name: 'entra-read',
  description: 'Entra connector full read against the local Graph server over HTTPS',
  async run(options) {
    const rows: ReadRow[] = [];
    for (const users of options.users ?? DEFAULT_USERS) {
      rows.push(await measureReads(users, startEntraTarget));
    }
    return render('Entra full read', rows, 'Graph server page size 999, connector `pageSize` 999, `maxConcurrentRequests` 4, every group read.');
  },
};

/** The connector read benchmarks, Okta then Entra. */
export const connectorBenchmarks: readonly Benchmark[] = [oktaReadBenchmark, entraReadBenchmark];

async function measureReads(users: number, start: (users: number) => Promise<ReadTarget>): Promise<ReadRow> {
  const target = await start(users);
  const sampler = new RssSampler();
  try {
    const rssBeforeBytes = process.memoryUsage.rss();
    sampler.start();

    const first = await timed(() => target.read());
    const requestsBefore = target.requestCount();
    const warm: number[] = [];
    for (let run = 0; run < WARM_READS; run += 1) {
      warm.push((await timed(() => target.read())).ms);
    }
    const requestsPerRead = (target.requestCount() - requestsBefore) / WARM_READS;

    return {
      users,
      usersRead: first.result.users.length,
      groups: first.result.groups.length,
      firstReadMs: first.ms,
      warmMedianMs: median(warm),
      requestsPerRead,
      rssBeforeBytes,
      rssPeakBytes: sampler.stop(),
      isComplete: first.result.isComplete,
    };
  } finally {
    sampler.stop();
    await target.close();
  }
}

async function startOktaTarget(users: number): Promise<ReadTarget> {
  const token = randomBytes(16).toString('hex');
  const server = await startOktaServer({ directory: createSampleDirectory({ userCount: users }), token });
  const connector = createOktaConnector({
    config: {
      kind: 'okta',
      orgUrl: server.url,
      tokenEnv: 'OKTA_API_TOKEN',
      provisionPendingUsers: false,
      pageSize: 200,
      maxRetries: 1,
      requestTimeoutMs: 30_000,
    },
    token: new Secret(token),
    logger: createLogger({ level: 'silent' }),
  });
  return {
    read: () => connector.readFull(),
    // The server's own log counts every request the SDK sent, retries included.
    requestCount: () => server.requestCount(),
    close: () => server.close(),
  };
}

async function startEntraTarget(users: number): Promise<ReadTarget> {
  const tenantId = '5f0c0a5e-7e57-4e2a-9d1b-0123456789ab';
  const clientId = 'b1a2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
  const clientSecret = randomBytes(16).toString('hex');
  const server = await startGraphServer({
    directory: createSampleDirectory({ userCount: users }),
    tenantId,
    clientId,
    clientSecret,
    // Graph accepts `$top` up to 999 on /users and /groups/{id}/members.
    pageSize: 999,
  });
  const connector = createEntraConnector({
    config: {
      kind: 'entra',
      tenantId,
      clientId,
      authorityHost: server.authorityHost,
      graphBaseUrl: server.graphBaseUrl,
      disableInstanceDiscovery: true,
      includeGuests: false,
      nestedGroups: 'skip',
      pageSize: 999,
      maxConcurrentRequests: 4,
      maxRetries: 1,
      groups: [],
    },
    clientSecret: new Secret(clientSecret),
    logger: createLogger({ level: 'silent' }),
    trustedCaPem: server.caCertPem,
  });
  return {
    read: () => connector.readFull(),
    // Token requests are counted too: the credential caches its token, so warm reads send none.
    requestCount: () => server.counts.graphRequests + server.counts.tokenRequests,
    async close() {
      connector.close();
      await server.close();
    },
  };
}

function render(title: string, rows: readonly ReadRow[], setup: string): string {
  const table = markdownTable(
    ['users', 'users read', 'groups', 'first read ms', `warm median ms (${WARM_READS} reads)`, 'requests per read', 'RSS before MiB', 'RSS peak MiB', 'complete'],
    rows.map((row) => [
      formatCount(row.users),
      formatCount(row.usersRead),
      formatCount(row.groups),
      formatMs(row.firstReadMs),
      formatMs(row.warmMedianMs),
      formatCount(row.requestsPerRead),
      formatMib(row.rssBeforeBytes),
      formatMib(row.rssPeakBytes),
      row.isComplete ? 'yes' : 'no',
    ]),
  );
  return `### ${title}\n\n${setup} RSS is the whole process, server included.\n\n${table}\n`;
}
