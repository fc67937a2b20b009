import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { parseRetryAfterMs } from '../../../src/connectors/entra/graph-errors.js';
import { FatalError } from '../../../src/errors/index.js';
import type { RunningGraphServer } from '../../../src/sandbox/graph-server.js';
import { CLIENT_SECRET, connectTo, startTestServer } from './entra-test-server.js';

describe('entra connector throttling and errors', () => {
  let server: RunningGraphServer;
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    closers.splice(0).forEach((close) => close());
    server.faults.throttle = { remaining: 0, status: 429 };
    server.faults.isForbidden = false;
  });
  afterAll(async () => {
    await server.close();
  });

  function connect(...args: Parameters<typeof connectTo> extends [unknown, ...infer Rest] ? Rest : never) {
    const result = connectTo(server, ...args);
    closers.push(() => result.connector.close());
    return result;
  }

  it('waits Retry-After on 429', async () => {
    const { connector, sleeps } = connect();
    await connector.readFull();
    server.faults.throttle = { remaining: 2, status: 429, retryAfterSeconds: 7 };
    const requestsBefore = connector.requestCount;
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(sleeps).toEqual([7000, 7000]);
    const secondReadRequests = connector.requestCount - requestsBefore;
    const firstReadRequests = requestsBefore;
    expect(secondReadRequests).toBe(firstReadRequests + 2);
  });

  it('backs off exponentially without Retry-After', async () => {
    server.faults.throttle = { remaining: 3, status: 429 };
    const { connector, sleeps } = connect();
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    // random() is 0.5, so each wait is three quarters of 1 s, 2 s, 4 s.
    expect(sleeps).toEqual([750, 1500, 3000]);
  });

  it('retries 503 like 429', async () => {
    server.faults.throttle = { remaining: 1, status: 503, retryAfterSeconds: 2 };
    const { connector, sleeps } = connect();
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(sleeps).toEqual([2000]);
  });

  it('stops after maxRetries and reports the read incomplete', async () => {
    server.faults.throttle = { remaining: 1000, status: 429, retryAfterSeconds: 1 };
    const { connector, sleeps } = connect({ maxRetries: 2 });
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(false);
    expect(snapshot.incompleteReasons).toHaveLength(2);
    expect(snapshot.incompleteReasons[0]).toMatch(/^users: .*HTTP 429/);
    expect(snapshot.incompleteReasons[1]).toMatch(/^groups: .*HTTP 429/);
    // Two reads (users, groups), each tried three times.
    expect(connector.requestCount).toBe(6);
    expect(sleeps).toEqual([1000, 1000, 1000, 1000]);
  });

  it('raises FatalError for a rejected client secret', async () => {
    const wrongSecret = 'wrong-secret-value-1234';
    const { connector } = connect({}, { clientSecret: new Secret(wrongSecret) });
    const failure = await connector.readFull().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(FatalError);
    const message = (failure as FatalError).message;
    expect(message).toContain('app registration');
    expect(message).not.toContain(wrongSecret);
    expect(message).not.toContain(CLIENT_SECRET);
    expect(connector.requestCount).toBe(0);
  });

  it('raises FatalError for 403 from Graph', async () => {
    server.faults.isForbidden = true;
    const { connector, sleeps } = connect();
    const failure = await connector.readFull().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(FatalError);
    expect((failure as FatalError).message).toContain('HTTP 403');
    expect((failure as FatalError).message).toContain('admin consent');
    expect(sleeps).toEqual([]);
  });

  it('stops when the signal aborts', async () => {
    server.faults.throttle = { remaining: 100, status: 429, retryAfterSeconds: 1 };
    const controller = new AbortController();
    const stop = new Error('read cancelled by the test');
    const { connector } = connect({}, { sleep: async () => controller.abort(stop) });

    await expect(connector.readFull({ signal: controller.signal })).rejects.toBe(stop);
    expect(connector.requestCount).toBe(1);
  });

  it('parses Retry-After as seconds or a date', () => {
    const now = Date.parse('2026-01-15T09:00:00Z');
    expect(parseRetryAfterMs('12', now)).toBe(12_000);
    expect(parseRetryAfterMs('Thu, 15 Jan 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Thu, 15 Jan 2026 08:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});
