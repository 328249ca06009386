/**
 * runWorker(config): a BullMQ worker that runs export jobs from the queue the API fills.
 *
 * - At most `limits.concurrentExports` jobs at once (BullMQ concurrency), each in its own thread
 *   (service/exec); the main thread only talks to Redis.
 * - The service's admission watermarks (RSS, heap, event-loop delay) gate taking new jobs: above
 *   the queue watermark the worker pauses fetching (running jobs go on), so a busy worker leaves
 *   jobs to the others; it resumes when it is below again.
 * - A worker that dies stops renewing its job's lock; once it expired (within `lockDurationMs`) the
 *   stalled check of any live worker (every quarter lock) hands the job to another one, which starts
 *   it over (see export-job.ts).
 * - Cancel requests published by any API reach the worker running the job (CancelBus).
 *
 * @example
 *   const worker = await runWorker(await loadDistributedConfig('sheetpipe.json'));
 *   // … on SIGTERM:
 *   await worker.close(30_000);   // running exports get 30 s, then go back to the queue
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { AdmissionController } from '../admission.js';
import { configError } from '../config/fields.js';
import type { ServiceConfig } from '../config/types.js';
import type { ServiceLogger } from '../jobs/runner.js';
import { CancelBus } from './cancel-bus.js';
import { ABORT_CANCEL, ABORT_SHUTDOWN, exportProcessor } from './export-job.js';
import { createExecutor } from '../exec/executor.js';
import { openStorage, storageSpecOf } from '../storage/shared-storage.js';
import { withinGrace } from '../../util/grace.js';
import type { ExportJobData, ExportJobResult } from './job-data.js';
import { redisExposure, type QueueConfig, type RedisQueueConfig } from './queue-config.js';
import { QUEUE_NAME, connectionOptions } from './redis-names.js';
import { stderrLogger } from './stderr-logger.js';

export interface RunWorkerOptions {
  readonly log?: ServiceLogger;
  /** Shown as `worker` in job records; default `<host>:<pid>`. */
  readonly name?: string;
  readonly progressIntervalMs?: number;
}

export interface WorkerHandle {
  readonly name: string;
  /** Stops taking jobs; running ones get `graceMs` to finish, then go back to the queue for another worker. */
  close(graceMs: number): Promise<void>;
}

export function requireRedis(queue: QueueConfig | undefined): RedisQueueConfig {
  if (queue?.type !== 'redis') throw configError('queue.type', 'sheetpipe worker needs a { "type": "redis" } queue');
  return queue;
}

/**
 * How often BullMQ's stalled check runs. A dead worker's lock expires lockDuration/2 to lockDuration after its
 * death (it renewed every half lock, and each renewal also takes the job out of the "stalled" set). A check
 * moves a job only if an earlier check marked it and the lock is now gone, and a Redis key lets one check run
 * per interval across all workers, so the survivor may skip one turn after the dead worker's last check. With
 * the interval at the lock duration the move came up to ~3 intervals after the death: 8.2 s measured twice
 * with a 5 s lock, 15 s in the worst phase (the issue's ~16 s), against the documented 2 × lock. A quarter of
 * the lock bounds it at about 1.5 × lock, leaving the rest for the fetch. The check is one small Lua script
 * (LRANGE of the active list, SADD), cheap at 4 runs per lock duration.
 */
export function stalledIntervalMs(lockDurationMs: number): number {
  return Math.max(250, Math.round(lockDurationMs / 4));
}

/**
 * Connects to Redis and starts taking jobs; resolves once ready.
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_CONFIG when `config.queue` is not a redis queue.
 */
export async function runWorker(config: ServiceConfig & { readonly queue?: QueueConfig }, options: RunWorkerOptions = {}): Promise<WorkerHandle> {
  const queue = requireRedis(config.queue);
  const spec = storageSpecOf(config);
  const storage = openStorage(spec);
  const log = options.log ?? stderrLogger();
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const exposure = redisExposure(queue.url);
  if (exposure !== undefined) log.warn({ worker: name }, exposure);
  const commands = new Redis(queue.url, connectionOptions(queue, false));
  const cancels = new CancelBus(queue, commands);
  const onError = (error: Error): void => log.warn({ err: error, worker: name }, 'redis connection problem');
  commands.on('error', onError);

  const runExportJob = exportProcessor({
    config, storage, spec,
    executor: createExecutor({ type: 'thread' }),
    isCancelRequested: (id) => cancels.isRequested(id),
    progressIntervalMs: options.progressIntervalMs ?? 500,
  });
  /** Jobs running here, re-checked for cancel requests after a reconnect. */
  const running = new Set<string>();
  const worker = new Worker<ExportJobData, ExportJobResult>(
    QUEUE_NAME,
    // Three declared parameters, so BullMQ passes the AbortSignal on.
    async (job, token, signal) => {
      running.add(job.id as string);
      try {
        return await runExportJob(job, token, signal);
      } finally {
        running.delete(job.id as string);
      }
    },
    {
      connection: connectionOptions(queue, false),
      prefix: queue.prefix,
      name,
      autorun: false,
      concurrency: config.limits.concurrentExports,
      lockDuration: queue.lockDurationMs,
      stalledInterval: stalledIntervalMs(queue.lockDurationMs),
      maxStalledCount: queue.attempts - 1,
      // BullMQ waits 15 s after a failed fetch; a restarted Redis is reachable again within the
      // 2 s reconnect backoff (redis-names.ts), so retry as often and take jobs again promptly.
      runRetryDelay: 2000,
    },
  );
  worker.on('error', onError);
  worker.on('failed', (job, error) => job && log.warn({ job: job.id, worker: name, reason: error.message }, 'export failed'));
  worker.on('stalled', (id) => log.warn({ job: id, worker: name }, 'an export whose worker stopped went back to the queue'));

  const admission = new AdmissionController(config.limits, config.admission, config.storage.dir);
  const gate = async (): Promise<void> => {
    const open = admission.mayStart();
    if (!open && !worker.isPaused()) {
      log.warn({ worker: name, reason: admission.current.reason }, 'not taking new exports');
      await worker.pause(true);
    } else if (open && worker.isPaused() && !worker.closing) {
      log.info({ worker: name }, 'taking new exports again');
      await worker.resume();
    }
  };
  await cancels.listen(() => [...running], (id) => worker.cancelJob(id, ABORT_CANCEL), onError);
  // Decide before the first fetch: a worker that starts above its watermark takes nothing.
  admission.check();
  await gate();
  const unsubscribe = admission.onChange(() => void gate().catch(onError));
  admission.start();
  void worker.run().catch(onError);
  await worker.waitUntilReady();

  return {
    name,
    async close(graceMs) {
      unsubscribe();
      admission.stop();
      const closing = worker.close();
      if (!(await withinGrace(closing, graceMs))) worker.cancelAllJobs(ABORT_SHUTDOWN);
      await closing;
      await cancels.close();
      await commands.quit().catch(() => commands.disconnect());
    },
  };
}

