import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

/** Mount path of the bull-board dashboard. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Mounts the bull-board dashboard for `queues` at `/admin/queues`. bull-board
 * has no authentication and can obliterate queues, so register it only inside
 * the admin-guarded context. The queues are writable because the dashboard's
 * "add job" and "run now" on a job scheduler are how an operator starts a sync
 * by hand.
 */
export async function registerQueueDashboard(app: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  // The base path is what the page uses for its own links and API calls, so it must equal the prefix.
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);

  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'ably-idp-sync queues' } },
  });

  // bull-board's page links a web font stylesheet on a public host. The policy keeps the browser on
  // this server, so opening the dashboard sends nothing elsewhere and the page uses system fonts.
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (request.url.startsWith(QUEUE_DASHBOARD_PATH) && type.startsWith('text/html')) {
      reply.header('content-security-policy', QUEUE_DASHBOARD_CSP);
    }
    return payload;
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
}

const QUEUE_DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
].join('; ');
