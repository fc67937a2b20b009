import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** Returns the URL of the Redis that global setup started, or REDIS_URL. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** Returns a key prefix no other test uses, so tests share one Redis without seeing each other's keys. */
export function freshPrefix(label = 'test'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
