/**
 * The delivery feature as one unit for buildApp: the signed-link route (always: links outlive a config
 * change that removes the last delivery), and, when `deliveries` are configured, the manager with its
 * store, started after the job queue (it reads jobs) and stopped at close (pending deliveries stay stored).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { ServiceConfig } from '../config/types.js';
import type { ServiceContext } from '../context.js';
import { linkRoute } from '../http/link-route.js';
import type { JobFiles } from '../jobs/files.js';
import type { S3Storage } from '../storage/s3-storage.js';
import type { ServiceLogger } from '../jobs/runner.js';
import type { JobRecord } from '../jobs/types.js';
import { DeliveryStore } from './delivery-store.js';
import { LinkSigner } from './links.js';
import { DeliveryManager } from './manager.js';
import { createSender } from './send.js';

export interface Delivery {
  readonly manager: DeliveryManager | undefined;
  readonly signer: LinkSigner;
  readonly plugin: FastifyPluginAsync<ServiceContext>;
}

/** `http://<address>:<port>` of the first address `app` listens on (IPv6 in brackets), once it listens. */
function listeningUrl(app: FastifyInstance): string | undefined {
  const address = app.server.listening ? app.addresses()[0] : undefined;
  if (address === undefined || typeof address === 'string') return undefined;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

export function createDelivery(
  app: FastifyInstance, config: ServiceConfig, files: JobFiles, getJob: (id: string) => Promise<JobRecord | undefined>, log: ServiceLogger,
  registry: Registry, objects?: S3Storage,
): Delivery {
  const signer = new LinkSigner(config, () => listeningUrl(app));
  const store = config.delivery.targets.size > 0 ? new DeliveryStore(config.storage.dir) : undefined;
  const attempts = store && new Counter({
    name: 'sheetpipe_delivery_attempts_total', help: 'Delivery attempts by target type and outcome (delivered, retry planned, failed for good)',
    labelNames: ['type', 'outcome'] as const, registers: [registry],
  });
  const manager = store && new DeliveryManager({
    config, store, links: signer, getJob, send: createSender(config, files, signer, objects), log,
    onAttempt: (type, outcome) => attempts?.inc({ type, outcome }),
  });
  const plugin: FastifyPluginAsync<ServiceContext> = async (app, context) => {
    await app.register(linkRoute(signer), context);
    if (!manager || !store) return;
    // Rows of jobs removed (DELETE, retention) are forgotten at start and then hourly: retention works in hours.
    const prune = (): void => {
      void manager.prune(async (id) => (await getJob(id)) !== undefined).catch((error: unknown) => log.warn({ err: error }, 'pruning deliveries failed'));
    };
    let pruner: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      manager.start();
      prune();
      pruner = setInterval(prune, 3_600_000).unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(pruner);
      await manager.close();
      store.close();
    });
  };
  return { manager, signer, plugin };
}
