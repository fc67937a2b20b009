import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ConfigurationError } from '../errors/index.js';

/**
 * A private redis-server on a free loopback port. The demo starts one when
 * REDIS_URL is not set, and tests use it to stop and restart Redis.
 */
export class RedisServer {
  readonly port: number;
  readonly url: string;
  readonly #directory: string;
  #process: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#directory = mkdtempSync(join(tmpdir(), 'ably-idp-sync-redis-'));
  }

  /** Starts a server on a free port and waits until PING succeeds. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await findFreePort());
    await server.restart();
    return server;
  }

  /** Starts the server again on the same port after `stop()`. */
  async restart(): Promise<void> {
    this.#process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.#directory],
      { stdio: 'ignore' },
    );
    const failed = new Promise<never>((_, reject) => {
      this.#process?.once('error', (error) =>
        reject(new ConfigurationError('Cannot start redis-server. Install it (apt-get install redis-server) or set REDIS_URL.', { cause: error })),
      );
    });
    await Promise.race([waitForPing(this.url), failed]);
  }

  /** Stops the server; its data is lost. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.#process = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.#directory, { recursive: true, force: true });
  }
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused connections are expected until the server listens; connect() reports them.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`redis-server at ${url} did not start within 10 s`, { cause: lastError });
}
