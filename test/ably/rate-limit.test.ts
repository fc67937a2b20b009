import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/ably/rate-limiter.js';
import { FakeScimServer } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

/** Counts the times in the fullest half-open window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let first = 0; first < sorted.length; first += 1) {
    const start = sorted[first] as number;
    const inWindow = sorted.filter((time) => time >= start && time < start + windowMs).length;
    max = Math.max(max, inWindow);
  }
  return max;
}

describe('RateLimiter', () => {
  it('spaces concurrent starts by the interval', async () => {
    // The clock does not move, so each wait equals the caller's start time.
    const limiter = new RateLimiter({ requestsPerSecond: 4, now: () => 0, delay: async () => {} });

    const waits = await Promise.all(Array.from({ length: 10 }, () => limiter.acquire()));

    expect(waits).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250]);
    expect(maxInWindow(waits, 1000)).toBe(4);
  });

  it('waits nothing after idle time', async () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({ requestsPerSecond: 2, now: () => clock.now, delay: async () => {} });

    await limiter.acquire();
    clock.now = 10_000;

    expect(await limiter.acquire()).toBe(0);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new RateLimiter({ requestsPerSecond: 0, now: () => 0, delay: async () => {} })).toThrow(RangeError);
  });
});

describe('client request rate', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('keeps every second at or under the limit', async () => {
    fake = await FakeScimServer.start({ maxResults: 2 });
    for (let index = 0; index < 12; index += 1) {
      fake.seedUser(`user${index}@example.com`);
    }
    const waits: number[] = [];
    // The clock does not move, so each wait equals a request's start time and the
    // one request that did not wait started at 0.
    const { client } = createTestClient(fake.baseUrl, {
      requestsPerSecond: 5,
      now: () => 0,
      delay: async (ms) => {
        waits.push(ms);
      },
    });

    await Promise.all([client.readOrganization(), client.findUserByUserName('user3@example.com')]);

    const stats = client.requestStats();
    const starts = [0, ...waits];
    expect(stats.requests).toBeGreaterThan(10);
    expect(starts).toHaveLength(stats.requests);
    expect(new Set(starts).size).toBe(starts.length);
    expect(maxInWindow(starts, 1000)).toBe(5);
    expect(stats.rateLimitWaitMs).toBe(waits.reduce((sum, wait) => sum + wait, 0));
  });
});
