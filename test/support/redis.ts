import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

/** The URL of the Redis that global setup started, or REDIS_URL. */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test uses, so tests share one Redis without seeing each other's keys. */
export function freshPrefix(label = 'test'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
