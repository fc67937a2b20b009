import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnector, createOrganizationClient } from '../../src/cli/components.js';
import type { Secrets } from '../../src/config/load.js';
import { Secret } from '../../src/config/secret.js';
import type { Config } from '../../src/config/schema.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startDaemon, type Daemon } from '../../src/jobs/daemon.js';
import { createLogger, type Logger } from '../../src/logging.js';
import { startOktaServer, type OktaServer } from '../../src/sandbox/okta-server.js';
import { createSampleDirectory } from '../../src/sandbox/sample-directory.js';
import { createMetrics } from '../../src/server/metrics.js';
import { freshPrefix, testRedisUrl } from '../support/redis.js';
import { sampleConfig } from '../support/sandbox.js';

/** Reads every value of every key under `prefix` as text: what anyone with Redis access can read. */
async function dumpRedis(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** Returns the values of every `authorization` key, at any depth, that pino did not redact. */
function unredactedAuthorizations(value: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) {
    for (const item of value) unredactedAuthorizations(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.toLowerCase() === 'authorization' && item !== '[redacted]') found.push(item);
      unredactedAuthorizations(item, found);
    }
  }
  return found;
}

interface Stack {
  okta: OktaServer;
  emulator: RunningEmulator;
  daemons: Daemon[];
}

describe('secrets', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    for (const daemon of stack?.daemons ?? []) await daemon.stop();
    await stack?.okta.close();
    await stack?.emulator.close();
    stack = undefined;
  });

  it('stay out of logs, jobs and reports', async () => {
    const lines: string[] = [];
    const logger: Logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    const scimPassword = randomBytes(12).toString('hex');
    const wrongPassword = randomBytes(12).toString('hex');
    const oktaToken = randomBytes(16).toString('hex');
    const credentials = { username: 'scim-secrets', password: scimPassword };

    const base = sampleConfig();
    const emulator = await startEmulator({
      domain: base.organization.domain,
      accounts: base.organization.accounts,
      primaryAccount: base.organization.primaryAccount,
      credentials,
    });
    const directory = createSampleDirectory({ userCount: 60 });
    const okta = await startOktaServer({ directory, token: oktaToken });
    stack = { okta, emulator, daemons: [] };
    okta.mutations.addUser({
      id: '00usubdomain0000abcd',
      login: 'sub.user@eu.example.com',
      email: 'sub.user@eu.example.com',
      firstName: 'Sub',
      lastName: 'User',
      status: 'ACTIVE',
      lastUpdated: new Date().toISOString(),
    });
    const engineering = directory.groups.find((group) => group.name === 'Engineering');
    okta.mutations.addMember(engineering?.id ?? '', '00usubdomain0000abcd');
    if (base.source.kind !== 'okta') throw new Error('config/sample.yaml must use an okta source');
    const config: Config = {
      ...base,
      source: { ...base.source, orgUrl: okta.url, maxRetries: 1 },
      ably: { ...base.ably, scimBaseUrl: emulator.scimBaseUrl, maxRetries: 1 },
      // The emulator rejects subdomains, so the subdomain user added below fails with 400.
      organization: { ...base.organization, allowSubdomains: true },
      redis: { url: testRedisUrl(), prefix: freshPrefix('secrets') },
    };
    const secrets: Secrets = {
      oktaToken: new Secret(oktaToken),
      scimUsername: new Secret(credentials.username),
      scimPassword: new Secret(scimPassword),
    };

    const start = async (daemonConfig: Config, daemonSecrets: Secrets) => {
      const daemon = await startDaemon({
        config: daemonConfig,
        secrets: daemonSecrets,
        logger,
        metrics: createMetrics({ collectDefault: false }),
        connector: createConnector(daemonConfig, daemonSecrets, logger),
        client: createOrganizationClient(daemonConfig, daemonSecrets, logger),
        operationBackoffMs: 20,
      });
      stack?.daemons.push(daemon);
      return daemon;
    };
    const daemon = await start(config, secrets);
    const jobData: string[] = [];
    daemon.workers[0]?.on('active', (job) => jobData.push(JSON.stringify(job.data)));

    // Failures on both sides: an Okta member list that fails, SCIM 503s, and 400s for the subdomain users.
    const platform = directory.groups.find((group) => group.name === 'Platform');
    okta.faults.failNext({ path: new RegExp(`^/api/v1/groups/${platform?.id ?? ''}/users$`), status: 500, times: 20 });
    emulator.setFaults({ serverError: { methods: ['POST'], next: 3, status: 503 } });
    const report = await daemon.syncAndWait('full');
    expect(report.results?.failed).toBeGreaterThan(0);
    expect(report.plan.isSourceComplete).toBe(false);

    // A second replica with a wrong SCIM password fails its run.
    const rejectedPrefix = freshPrefix('secrets');
    const rejected = await start({ ...config, redis: { ...config.redis, prefix: rejectedPrefix } }, { ...secrets, scimPassword: new Secret(wrongPassword) });
    await expect(rejected.syncAndWait('full')).rejects.toThrow(/rejected the credentials/);

    const forbidden = [
      scimPassword,
      wrongPassword,
      oktaToken,
      Buffer.from(`${credentials.username}:${scimPassword}`).toString('base64'),
      Buffer.from(`${credentials.username}:${wrongPassword}`).toString('base64'),
    ];
    const stored = JSON.stringify(await daemon.reports.get(report.runId));
    const syncJobs = JSON.stringify([
      ...(await daemon.syncQueue.getJobs(['completed', 'failed', 'waiting', 'delayed', 'active'])),
      ...(await rejected.syncQueue.getJobs(['completed', 'failed', 'waiting', 'delayed', 'active'])),
    ].map((job) => ({ data: job.data, failedReason: job.failedReason, returnvalue: job.returnvalue as unknown })));
    const redisText = (await dumpRedis(daemon.redis, config.redis.prefix)) + (await dumpRedis(rejected.redis, rejectedPrefix));

    // The failures were logged, with their errors, through the captured logger.
    const messages = new Set(lines.map((line) => (JSON.parse(line) as { msg: string }).msg));
    for (const message of ['okta read part failed', 'SCIM request failed, retrying', 'operation skipped: the object was rejected', 'sync run failed before planning']) {
      expect(messages).toContain(message);
    }
    expect(jobData.length).toBeGreaterThan(0);
    expect(syncJobs).toContain('rejected the credentials');
    for (const secret of forbidden) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
      expect(jobData.filter((data) => data.includes(secret))).toEqual([]);
      expect(stored.includes(secret)).toBe(false);
      expect(syncJobs.includes(secret)).toBe(false);
      expect(redisText.includes(secret)).toBe(false);
    }
    expect(lines.filter((line) => /SSWS [0-9a-f]|Basic [A-Za-z0-9+/=]{8}/.test(line))).toEqual([]);
    expect(lines.flatMap((line) => unredactedAuthorizations(JSON.parse(line)))).toEqual([]);
  });
});
