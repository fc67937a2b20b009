import type { TestProject } from 'vitest/node';
import { RedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * Starts one private redis-server for the whole run, unless REDIS_URL names
 * one. Tests isolate themselves with a fresh key prefix; a test that must stop
 * Redis starts its own `RedisServer`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const server = await RedisServer.start();
  project.provide('redisUrl', server.url);
  return async () => {
    await server.dispose();
  };
}
