import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { FatalError } from '../../../src/errors/index.js';
import type { RunningGraphServer } from '../../../src/sandbox/graph-server.js';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../../src/sandbox/graph-tls.js';
import { connectTo, SAMPLE, startTestServer } from './entra-test-server.js';

describe('entra connector certificate credential', () => {
  let server: RunningGraphServer;
  let appCertificate: SelfSignedCertificate;
  let otherCertificate: SelfSignedCertificate;

  beforeAll(async () => {
    [appCertificate, otherCertificate] = await Promise.all([
      createSelfSignedCertificate({ commonName: 'ably-idp-sync-test-app' }),
      createSelfSignedCertificate({ commonName: 'unregistered-app' }),
    ]);
    server = await startTestServer({ clientCertificatePem: appCertificate.certificatePem });
  });
  afterAll(async () => {
    await server.close();
    await appCertificate.remove();
    await otherCertificate.remove();
  });

  it('reads the directory with a registered certificate', async () => {
    const { connector } = connectTo(server, {}, { certificatePath: new Secret(appCertificate.combinedPemPath) });
    const tokensBefore = server.counts.tokenRequests;
    try {
      const snapshot = await connector.readFull();

      expect(snapshot.isComplete).toBe(true);
      expect(snapshot.users.length).toBeGreaterThan(SAMPLE.users.length / 2);
      expect(server.counts.tokenRequests).toBe(tokensBefore + 1);
    } finally {
      connector.close();
    }
  });

  it('raises FatalError for an unregistered certificate', async () => {
    const { connector } = connectTo(server, {}, { certificatePath: new Secret(otherCertificate.combinedPemPath) });
    try {
      const failure = await connector.readFull().catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(FatalError);
      expect((failure as FatalError).message).toContain('app registration');
    } finally {
      connector.close();
    }
  });
});
