import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * The last link of the Graph client's middleware chain. It sends the request
 * with `node:https` instead of the global `fetch`, so the connector can trust
 * an extra CA certificate, such as the local Graph server's self-signed one.
 * `NODE_EXTRA_CA_CERTS` cannot do that in a running process, because Node
 * reads it only at start-up. The transport also counts every request that
 * goes on the wire, retries included.
 */
export class HttpsTransport implements Middleware {
  readonly #agent: Agent;
  #requestCount = 0;

  constructor(options: { agent: Agent }) {
    this.#agent = options.agent;
  }

  /** HTTP requests sent since the transport was created. */
  get requestCount(): number {
    return this.#requestCount;
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const headers = Object.fromEntries(new Headers(options.headers).entries());
    const body = typeof options.body === 'string' ? options.body : undefined;

    this.#requestCount += 1;
    context.response = await new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(
        url,
        { method: options.method ?? 'GET', headers, agent: this.#agent, signal: options.signal ?? undefined },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const status = incoming.statusCode ?? 500;
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) {
                responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
              }
            }
            // The Response constructor rejects a body on statuses that cannot carry one.
            const hasBody = status !== 204 && status !== 304;
            resolve(new Response(hasBody ? Buffer.concat(chunks) : null, { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

/** Creates the keep-alive HTTPS agent for the connector, trusting `extraCaPem` next to Node's built-in roots. */
export function createHttpsAgent(extraCaPem: string | undefined): Agent {
  return new Agent({
    keepAlive: true,
    ca: extraCaPem === undefined ? undefined : [...rootCertificates, extraCaPem],
  });
}
