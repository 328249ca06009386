/** Distributed mode: BullMQ on Redis, one API and any number of `sheetpipe worker`s (docs/distributed.md). */
export { createJobQueue, type QueueFactory } from './create-job-queue.js';
export { readQueueConfig, redactedUrl, type QueueConfig, type RedisQueueConfig, type EmbeddedQueueConfig } from './queue-config.js';
export { loadDistributedConfig, type DistributedConfig } from './load-config.js';
export { RedisJobQueue, type RedisJobQueueOptions } from './redis-queue.js';
export { runWorker, type RunWorkerOptions, type WorkerHandle } from './queue-worker.js';
export { workerCommand, WORKER_USAGE } from './worker-command.js';
export { isStorage, outputKey, type Storage } from './storage.js';
export { DirectoryStorage } from './directory-storage.js';
export type { DistributedJobRecord } from './job-data.js';
