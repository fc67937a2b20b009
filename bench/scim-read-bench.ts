import { randomBytes } from 'node:crypto';
import { createScimClient, type ScimClient } from '../src/ably/index.js';
import { Secret } from '../src/config/secret.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/logging.js';
import { formatCount, formatMib, formatMs, markdownTable, RssSampler, timed } from './measure.js';
import type { Benchmark } from './options.js';

const DEFAULT_USERS = [1_000, 10_000];
/** Groups seeded next to the users. Every user joins one of them. */
const SEED_GROUPS = 10;
/** Parallel create requests while seeding. */
const SEED_CONCURRENCY = 16;

interface ScimReadRow {
  users: number;
  groups: number;
  seedMs: number;
  readMs: number;
  requests: number;
  emulatorReads: number;
  rssPeakBytes: number;
}

/** Times `readOrganization()` of the SCIM client against an emulator seeded through the same client. */
export const scimReadBenchmark: Benchmark = {
  name: 'scim-read',
  description: 'SCIM client readOrganization() against the emulator holding 1k and 10k users',
  async run(options) {
    const rows: ScimReadRow[] = [];
    for (const users of options.users ?? DEFAULT_USERS) {
      rows.push(await measureRead(users));
    }
    const table = markdownTable(
      ['users', 'groups', 'seed ms', 'readOrganization ms', 'client requests', 'emulator reads', 'RSS peak MiB'],
      rows.map((row) => [
        formatCount(row.users),
        formatCount(row.groups),
        formatMs(row.seedMs),
        formatMs(row.readMs),
        formatCount(row.requests),
        formatCount(row.emulatorReads),
        formatMib(row.rssPeakBytes),
      ]),
    );
    return `### SCIM client readOrganization()\n\nEmulator in memory, page size 100 (the client default), ${SEED_GROUPS} groups with every user in one. RSS is the whole process, emulator included.\n\n${table}\n`;
  },
};

async function measureRead(users: number): Promise<ScimReadRow> {
  const credentials = { username: 'bench', password: randomBytes(12).toString('hex') };
  const emulator = await startEmulator({
    domain: 'example.com',
    accounts: [{ id: 'acc-prod', name: 'Production' }],
    primaryAccount: 'acc-prod',
    credentials,
  });
  try {
    const seed = await timed(() => seedOrganization(createClient(emulator, credentials), users));

    // A fresh client, so its request counters and discovery cover the read alone.
    const client = createClient(emulator, credentials);
    await client.discover();
    emulator.resetStats();
    const requestsBefore = client.requestStats().requests;
    const sampler = new RssSampler();
    sampler.start();
    const read = await timed(() => client.readOrganization());
    const rssPeakBytes = sampler.stop();

    return {
      users: read.result.users.length,
      groups: read.result.groups.length,
      seedMs: seed.ms,
      readMs: read.ms,
      requests: client.requestStats().requests - requestsBefore,
      emulatorReads: emulator.stats().reads,
      rssPeakBytes,
    };
  } finally {
    await emulator.close();
  }
}

function createClient(emulator: RunningEmulator, credentials: { username: string; password: string }): ScimClient {
  return createScimClient({
    baseUrl: emulator.scimBaseUrl,
    username: new Secret(credentials.username),
    password: new Secret(credentials.password),
    roleExtensionUrn: 'urn:ably:scim:schemas:extension:accountAccess:2.0:Group',
    // Far above the few hundred requests per second the local emulator serves, so the limiter does not add waits.
    requestsPerSecond: 100_000,
    maxRetries: 1,
    requestTimeoutMs: 30_000,
    logger: createLogger({ level: 'silent' }),
  });
}

async function seedOrganization(client: ScimClient, users: number): Promise<void> {
  const ids: string[] = new Array<string>(users);
  let next = 0;
  const createNext = async (): Promise<void> => {
    while (next < users) {
      const index = next;
      next += 1;
      const created = await client.createUser({
        externalId: `00u${String(index).padStart(17, '0')}`,
        userName: `user.${index}@example.com`,
        givenName: 'Given',
        familyName: `Family${index}`,
        displayName: `Given Family${index}`,
        active: true,
      });
      ids[index] = created.id;
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, () => createNext()));

  for (let groupIndex = 0; groupIndex < SEED_GROUPS; groupIndex += 1) {
    const group = await client.createGroup({ externalId: `00g${String(groupIndex).padStart(17, '0')}`, displayName: `Team ${groupIndex}` });
    const members = ids.filter((_, index) => index % SEED_GROUPS === groupIndex);
    await client.addGroupMembers(group.id, members);
  }
}
