import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import type { Agent } from 'node:https';
import type { EntraSourceConfig } from '../../config/schema.js';
import type { Secret } from '../../config/secret.js';
import type { DirectoryChanges, DirectorySnapshot, IncrementalDirectoryConnector } from '../../domain/directory.js';
import { ConfigurationError, isTransient } from '../../errors/index.js';
import type { Logger } from '../../logging.js';
import { EntraGraphClient, type Sleep } from './client.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { readDeltaChanges, readInitialDeltaRound } from './delta-read.js';
import { readThroughLists } from './full-read.js';
import type { EntraReadContext, ReadState } from './read-context.js';
import { createHttpsAgent } from './transport.js';

export interface EntraConnectorOptions {
  config: EntraSourceConfig;
  /** The app registration's client secret; set this or `certificatePath`. */
  clientSecret?: Secret;
  /** The path of a PEM file with the certificate and its private key; set this or `clientSecret`. */
  certificatePath?: Secret;
  logger: Logger;
  /**
   * An extra CA certificate (PEM) to trust for Graph and the token endpoint,
   * next to Node's built-in roots. For a local Graph server with a self-signed
   * certificate; leave it unset in production, where the default trust store
   * (including `NODE_EXTRA_CA_CERTS`) applies.
   */
  trustedCaPem?: string;
  /** Waits between retries; injected by tests. */
  sleep?: Sleep;
  /** The backoff jitter source, which returns a number from 0 up to but excluding 1. */
  random?: () => number;
  /** The connector's clock, for `readAt`. */
  clock?: () => Date;
}

/** An Entra connector, with `close()` to release its keep-alive sockets. */
export interface EntraConnector extends IncrementalDirectoryConnector {
  /** HTTP requests sent to Graph since the connector was created, retries included. */
  readonly requestCount: number;
  close(): void;
}

/**
 * Creates the Microsoft Entra ID connector: full reads through Graph's list
 * endpoints, incremental reads through `/users/delta` and `/groups/delta`.
 */
export function createEntraConnector(options: EntraConnectorOptions): EntraConnector {
  const { config } = options;
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger.child({ connector: 'entra', tenantId: config.tenantId });
  const agent = createHttpsAgent(options.trustedCaPem);
  const client = new EntraGraphClient({
    config,
    credential: createCredential(options, agent),
    agent,
    logger,
    sleep: options.sleep,
    random: options.random,
  });
  const context: EntraReadContext = { client, config, logger };

  function toSnapshot(state: ReadState, startedAt: Date): DirectorySnapshot {
    return {
      source: 'entra',
      users: [...state.users.values()],
      groups: state.groups,
      isComplete: state.incompleteReasons.length === 0,
      incompleteReasons: state.incompleteReasons,
      skipped: state.skipped,
      readAt: startedAt.toISOString(),
    };
  }

  function logRead(kind: string, snapshot: DirectorySnapshot, requestsBefore: number, startedAt: Date): void {
    logger.info(
      {
        read: kind,
        users: snapshot.users.length,
        groups: snapshot.groups.length,
        skipped: snapshot.skipped.length,
        isComplete: snapshot.isComplete,
        requests: client.requestCount - requestsBefore,
        durationMs: clock().getTime() - startedAt.getTime(),
      },
      'entra read finished',
    );
  }

  return {
    source: 'entra',

    get requestCount() {
      return client.requestCount;
    },

    async readFull(readOptions = {}) {
      const startedAt = clock();
      const requestsBefore = client.requestCount;
      const snapshot = toSnapshot(await readThroughLists(context, readOptions.signal), startedAt);
      logRead('full', snapshot, requestsBefore, startedAt);
      return snapshot;
    },

    async readFullWithCursor(readOptions = {}) {
      assertDeltaUsable(config);
      const startedAt = clock();
      const requestsBefore = client.requestCount;
      const { state, cursor } = await readInitialDeltaRound(context, readOptions.signal);
      const snapshot = toSnapshot(state, startedAt);
      logRead('full-with-cursor', snapshot, requestsBefore, startedAt);
      return { snapshot, cursor: encodeCursor(cursor) };
    },

    async readChanges(cursorText, readOptions = {}): Promise<DirectoryChanges> {
      assertDeltaUsable(config);
      const cursor = decodeCursor(cursorText);
      const requestsBefore = client.requestCount;
      try {
        const result = await readDeltaChanges(context, cursor, readOptions.signal);
        const requestCount = client.requestCount - requestsBefore;
        logger.info({ read: 'changes', changes: result.changes.length, skipped: result.skipped.length, requests: requestCount }, 'entra read finished');
        return {
          changes: result.changes,
          nextCursor: encodeCursor(result.nextCursor),
          isComplete: true,
          incompleteReasons: [],
          skipped: result.skipped,
          requestCount,
        };
      } catch (error) {
        if (!isTransient(error)) {
          throw error;
        }
        logger.warn({ err: error }, 'entra incremental read incomplete');
        return {
          changes: [],
          nextCursor: cursorText,
          isComplete: false,
          incompleteReasons: [error.message],
          skipped: [],
          requestCount: client.requestCount - requestsBefore,
        };
      }
    },

    close() {
      agent.destroy();
    },
  };
}

/**
 * Graph's `/users/delta` accepts no `$filter` other than by id, so a delta
 * round would return users the `userFilter` excludes.
 */
function assertDeltaUsable(config: EntraSourceConfig): void {
  if (config.userFilter !== undefined) {
    throw new ConfigurationError(
      'source.userFilter cannot be used with incremental reads, because Graph /users/delta does not support $filter. Remove userFilter or schedule full syncs only.',
    );
  }
}

function createCredential(options: EntraConnectorOptions, agent: Agent): TokenCredential {
  const { config, clientSecret, certificatePath } = options;
  const credentialOptions = {
    authorityHost: config.authorityHost,
    disableInstanceDiscovery: config.disableInstanceDiscovery,
    // Token requests go through the same agent, so they trust the same CA.
    agent,
  };
  if (clientSecret !== undefined && certificatePath === undefined) {
    return new ClientSecretCredential(config.tenantId, config.clientId, clientSecret.reveal(), credentialOptions);
  }
  if (certificatePath !== undefined && clientSecret === undefined) {
    return new ClientCertificateCredential(config.tenantId, config.clientId, { certificatePath: certificatePath.reveal() }, credentialOptions);
  }
  throw new ConfigurationError(
    'Set exactly one Entra credential: the environment variable named by source.clientSecretEnv, or the one named by source.certificatePathEnv.',
  );
}
