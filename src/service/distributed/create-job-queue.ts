/**
 * The factory that picks the job queue from the `queue` config key, in the shape of buildApp's
 * `createQueue` option: undefined for `embedded` (buildApp then builds its own SQLite-backed
 * LocalJobQueue), a RedisJobQueue factory for `redis`.
 *
 * @example
 *   const app = await buildApp(config, { createQueue: await createJobQueue(config) });
 */
import type { QueueParts } from '../jobs/queue-parts.js';
import type { ServiceConfig } from '../config/types.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { ServiceLogger } from '../jobs/runner.js';
import { redisExposure, type QueueConfig } from './queue-config.js';
import { stderrLogger } from './stderr-logger.js';
import { defaultStorage } from '../storage/shared-storage.js';

export type QueueFactory = (parts: QueueParts & { readonly log?: ServiceLogger }) => JobQueue;

export async function createJobQueue(config: ServiceConfig & { readonly queue?: QueueConfig }): Promise<QueueFactory | undefined> {
  const queue = config.queue;
  if (queue === undefined || queue.type === 'embedded') return undefined;
  // Loaded only here: the embedded service never loads BullMQ and ioredis.
  const { RedisJobQueue } = await import('./redis-queue.js');
  return (parts) => {
    const log = parts.log ?? stderrLogger();
    const exposure = redisExposure(queue.url);
    if (exposure !== undefined) log.warn({}, exposure);
    return new RedisJobQueue({
      config: queue,
      storage: defaultStorage(config),
      queueLength: config.limits.queueLength,
      retentionMs: config.storage.retentionHours * 3_600_000,
      log,
      onFinished: parts.onFinished,
      onHops: parts.onHops,
    });
  };
}
