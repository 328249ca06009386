/**
 * The API side of distributed mode: a JobQueue on BullMQ. Jobs are added with the export id as
 * BullMQ `jobId` (a re-run of the job writes the same output key, so it replaces, never
 * duplicates); `sheetpipe worker` processes run them. Status comes from the BullMQ job (state,
 * progress, return value, failedReason), events from QueueEvents, cancellation through the
 * CancelBus. A job cancelled while it waits is removed from BullMQ and leaves a tombstone record.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type JobState } from 'bullmq';
import { Redis } from 'ioredis';
import { SheetpipeError } from '../../errors.js';
import type { JobQueue, QueueUsage } from '../jobs/job-queue.js';
import { RetentionSweeper } from '../jobs/retention.js';
import type { ServiceLogger } from '../jobs/runner.js';
import { isFinished, type JobEvent, type JobListener, type JobRecord, type JobRequest, type QueueCounts } from '../jobs/types.js';
import { CancelBus } from './cancel-bus.js';
import { jobErrorOf } from '../exec/error-wire.js';
import type { ColorHop } from '../../observability/coloring.js';
import { recordOf, type DistributedJobRecord, type ExportJob, type ExportJobData, type ExportJobProgress, type ExportJobResult } from './job-data.js';
import type { RedisQueueConfig } from './queue-config.js';
import { checkedRecord } from './record-check.js';
import { QUEUE_NAME, connectionOptions, redisError, redisNames, type RedisNames } from './redis-names.js';
import { outputKey, type Storage } from './storage.js';
import { UsageIndex } from './usage-index.js';
import { listRedisJobs } from './list-jobs.js';
import type { JobListQuery, JobPage } from '../jobs/job-list.js';

export interface RedisJobQueueOptions {
  readonly config: RedisQueueConfig;
  /** The same shared storage the workers write to. */
  readonly storage: Storage;
  /** Jobs allowed to wait (over all workers); beyond it enqueue answers 429. */
  readonly queueLength: number;
  readonly retentionMs: number;
  readonly log: ServiceLogger;
  /** Called once for every job that ends, as this API learns of it (metrics). */
  readonly onFinished?: (job: JobRecord) => void;
  /** Called with the coloring hops a succeeded job reached on its worker, as this API learns of its end (coverage metrics). */
  readonly onHops?: (job: JobRequest, hops: readonly ColorHop[]) => void;
  /** How often counts() is refreshed from Redis. */
  readonly countsIntervalMs?: number;
}

/** Everything that still waits for a worker (`delayed`: a retry's backoff). */
const QUEUED_STATES: readonly JobState[] = ['waiting', 'prioritized', 'delayed', 'waiting-children'];
const FINISHED_STATES: readonly JobState[] = ['completed', 'failed'];

export class RedisJobQueue implements JobQueue {
  readonly #options: RedisJobQueueOptions;
  readonly #names: RedisNames;
  readonly #queue: Queue<ExportJobData, ExportJobResult>;
  readonly #events: QueueEvents;
  readonly #commands: Redis;
  readonly #cancels: CancelBus;
  readonly #listeners = new Map<string, Set<JobListener>>();
  /** Woken on any event about a job (a cancel waiting for its worker's answer). */
  readonly #wakers = new Map<string, Set<() => void>>();
  readonly #sweeper: RetentionSweeper;
  readonly #usage: UsageIndex;
  #counts: QueueCounts = { waiting: 0, running: 0 };
  #countsTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: RedisJobQueueOptions) {
    this.#options = options;
    const { config, log } = options;
    this.#names = redisNames(config.prefix);
    const connection = connectionOptions(config, true);
    this.#queue = new Queue(QUEUE_NAME, { connection, prefix: config.prefix });
    this.#events = new QueueEvents(QUEUE_NAME, { connection: connectionOptions(config, false), prefix: config.prefix, autorun: false });
    this.#commands = new Redis(config.url, connection);
    this.#cancels = new CancelBus(config, this.#commands);
    this.#usage = new UsageIndex(this.#commands, { ...this.#names, jobKey: (id) => this.#queue.toKey(id) });
    // Redis being away is logged, not fatal: every client reconnects by itself.
    const onError = (error: Error): void => log.warn({ err: error }, 'redis connection problem');
    this.#queue.on('error', onError);
    this.#events.on('error', onError);
    this.#commands.on('error', onError);
    this.#sweeper = new RetentionSweeper(options.retentionMs, () => this.#sweep(), log);
  }

  async start(): Promise<void> {
    this.#events.on('progress', ({ jobId, data }) => this.#progress(jobId, data as unknown as ExportJobProgress));
    for (const event of ['completed', 'failed', 'removed'] as const) {
      this.#events.on(event, ({ jobId }: { jobId: string }) => void this.#settled(jobId, event === 'failed'));
    }
    this.#events.on('waiting', ({ jobId }) => this.#wake(jobId));
    void this.#events.run().catch((error: unknown) => this.#options.log.error({ err: error }, 'queue events stopped'));
    await this.#redis(() => Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady()]));
    await this.#refreshCounts();
    this.#countsTimer = setInterval(() => void this.#refreshCounts(), this.#options.countsIntervalMs ?? 1000);
    this.#countsTimer.unref();
    this.#sweeper.start();
  }

  async enqueue(request: JobRequest): Promise<JobRecord> {
    if (this.#closing) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
    const { config, queueLength } = this.#options;
    const waiting = await this.#redis(() => this.#waitingCount());
    if (waiting >= queueLength) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_QUEUE_FULL', [waiting]);
    const data: ExportJobData = { request, createdAt: Date.now() };
    const id = randomUUID();
    const job = await this.#redis(() =>
      this.#queue.add('export', data, {
        jobId: id,
        attempts: config.attempts,
        backoff: { type: 'exponential', delay: 1000 },
        // Records stay until the retention sweep removes them together with their files.
        removeOnComplete: false,
        removeOnFail: false,
      }),
    );
    this.#counts = { ...this.#counts, waiting: this.#counts.waiting + 1 };
    await this.#redis(() => this.#usage.add(id, request.owner, request.report, data.createdAt));
    return recordOf(job, 'waiting');
  }

  /** For limits.jobsPerToken / jobsPerReport / storageMbPerReport (http/quota.ts). */
  async usage(owner: string | null, report: string | null): Promise<QueueUsage> {
    return this.#redis(() => this.#usage.usage(owner, report));
  }

  async get(id: string): Promise<DistributedJobRecord | undefined> {
    return this.#redis(async () => {
      const found = await this.#snapshot(id);
      if (!found) return this.#tombstone(id);
      return recordOf(found.job, found.state);
    });
  }

  /** `GET /v1/exports` (list-jobs.ts). */
  async list(query: JobListQuery): Promise<JobPage> {
    return this.#redis(() => listRedisJobs(this.#queue, query, this.#options.log));
  }

  /**
   * The job and its state, consistent with each other. They are two Redis reads: a job can finish between them,
   * and a hash read while it was active has no return value yet (a "succeeded" record would then show the last
   * progress count instead of the final rows), so a finished state with an unfinished hash is read again.
   */
  async #snapshot(id: string): Promise<{ job: ExportJob; state: JobState | 'unknown' } | undefined> {
    const job = (await this.#queue.getJob(id)) as ExportJob | undefined;
    if (!job) return undefined;
    const state = await job.getState();
    if (FINISHED_STATES.includes(state as JobState) && job.finishedOn === undefined) {
      const again = (await this.#queue.getJob(id)) as ExportJob | undefined;
      if (again) return { job: again, state };
    }
    return { job, state };
  }

  /**
   * A waiting job is removed at once. A running one is cancelled on its worker; this resolves when
   * that worker has stopped the query, removed its temp file and failed the job as cancelled.
   * @throws SheetpipeError SHEETPIPE_ERR_DISTRIBUTED_CANCEL_TIMEOUT when no worker confirms in time
   *   (the request stays: the job is cancelled when a worker next holds it).
   */
  async cancel(id: string): Promise<JobRecord | undefined> {
    const first = await this.get(id);
    if (!first || isFinished(first.status)) return first;
    const { lockDurationMs } = this.#options.config;
    // Long enough for a dead worker's lock to expire and another worker to take (and drop) the job.
    const timeoutMs = 2 * lockDurationMs + 10_000;
    await this.#redis(() => this.#cancels.request(id, this.#options.retentionMs + timeoutMs));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const outcome = await this.#redis(() => this.#tryCancel(id));
      if (outcome) return outcome;
      if (Date.now() > deadline) throw new SheetpipeError('SHEETPIPE_ERR_DISTRIBUTED_CANCEL_TIMEOUT', [id, Math.round(timeoutMs / 1000)]);
      await this.#nextEvent(id, 500);
    }
  }

  async remove(id: string): Promise<JobRecord | undefined> {
    return this.#redis(async () => {
      const found = await this.#snapshot(id);
      const record = found ? recordOf(found.job, found.state) : await this.#tombstone(id);
      if (!record || !isFinished(record.status)) return undefined;
      // File first: a reader never finds a file without its record, and a remove cut short leaves the record
      // for the next sweep to retry instead of an orphaned file. The file route answers 410 in between.
      await this.#options.storage.remove(outputKey(id, record.format));
      await found?.job.remove();
      await this.#commands.del(this.#names.tombstoneKey(id), this.#names.cancelKey(id));
      await this.#usage.remove(id, record.owner, record.report);
      return record;
    });
  }

  subscribe(id: string, listener: JobListener): () => void {
    return addTo(this.#listeners, id, listener);
  }

  counts(): QueueCounts {
    return this.#counts;
  }

  /** Exports run on the workers, so there is nothing to wait for here: the connections close. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#sweeper.stop();
    clearInterval(this.#countsTimer);
    await Promise.allSettled([this.#events.close(), this.#queue.close(), this.#commands.quit()]);
  }

  /** One step of a cancel: the final record once the job is finished or was removed while waiting. */
  async #tryCancel(id: string): Promise<JobRecord | undefined> {
    const found = await this.#snapshot(id);
    if (!found) return this.#tombstone(id);
    const { job, state } = found;
    if (state === 'unknown' || state === 'active') return undefined;
    if (FINISHED_STATES.includes(state)) return recordOf(job, state);
    // Tombstone first: a reader never finds neither. remove() refuses a job a worker locked meanwhile.
    const canceled: DistributedJobRecord = {
      ...recordOf(job, state), status: 'canceled', finishedAt: Date.now(),
      error: jobErrorOf(new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', [`cancelled by DELETE /v1/exports/${id} while queued`])),
    };
    const key = this.#names.tombstoneKey(id);
    await this.#commands.set(key, JSON.stringify(canceled), 'PX', Math.max(1, Math.round(this.#options.retentionMs)));
    try {
      await job.remove();
    } catch {
      await this.#commands.del(key);
      return undefined;
    }
    return canceled;
  }

  async #tombstone(id: string): Promise<DistributedJobRecord | undefined> {
    const text = await this.#commands.get(this.#names.tombstoneKey(id));
    if (text === null) return undefined;
    let record: DistributedJobRecord;
    try {
      record = JSON.parse(text) as DistributedJobRecord;
    } catch {
      throw new SheetpipeError('SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD', [id, 'its tombstone is not JSON']);
    }
    return checkedRecord(record, id);
  }

  async #waitingCount(): Promise<number> {
    const counts = await this.#queue.getJobCounts(...QUEUED_STATES);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async #refreshCounts(): Promise<void> {
    try {
      const [waiting, active] = await Promise.all([this.#waitingCount(), this.#queue.getActiveCount()]);
      this.#counts = { waiting, running: active };
    } catch {
      // Keep the last snapshot while Redis is away; the connection's error handler logged it.
    }
  }

  #progress(id: string, progress: ExportJobProgress): void {
    if (!this.#listeners.has(id) || typeof progress?.rows !== 'number') return;
    const rowsPerSecond = progress.elapsedMs > 0 ? Math.round((progress.rows * 1000) / progress.elapsedMs) : 0;
    this.#emit(id, { type: 'progress', rows: progress.rows, bytes: progress.bytes, rowsPerSecond });
  }

  async #settled(id: string, failed: boolean): Promise<void> {
    this.#wake(id);
    try {
      const found = await this.#redis(() => this.#snapshot(id));
      const record = found === undefined ? await this.get(id) : recordOf(found.job, found.state);
      if (!record || !isFinished(record.status)) return;
      if (record.status === 'succeeded') this.#options.onHops?.(record, found?.job.returnvalue?.hops ?? []);
      // A job failed by BullMQ after its workers kept dying still has the last one's temp file.
      if (failed) await this.#options.storage.removePartial(outputKey(id, record.format));
      this.#options.onFinished?.(record);
      this.#emit(id, { type: 'end', job: record });
    } catch (error) {
      this.#options.log.warn({ err: error, job: id }, 'could not read a finished job');
    }
  }

  #emit(id: string, event: JobEvent): void {
    for (const listener of [...(this.#listeners.get(id) ?? [])]) listener(event);
  }

  #wake(id: string): void {
    for (const wake of [...(this.#wakers.get(id) ?? [])]) wake();
  }

  /** Resolves on the next event about `id`, or after `ms`. */
  #nextEvent(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const remove = addTo(this.#wakers, id, done);
      function done(): void {
        clearTimeout(timer);
        remove();
        resolve();
      }
    });
  }

  async #sweep(): Promise<number> {
    const expiredBefore = Date.now() - this.#options.retentionMs;
    // Oldest first; one bounded page per sweep keeps a sweep short.
    const jobs = await this.#queue.getJobs(['completed', 'failed'], 0, 499, true);
    const expired = jobs.filter((job) => job?.finishedOn !== undefined && job.finishedOn <= expiredBefore);
    for (const job of expired) await this.remove(job.id as string);
    return expired.length;
  }

  async #redis<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw redisError(this.#options.config, error);
    }
  }
}

function addTo<T>(map: Map<string, Set<T>>, id: string, value: T): () => void {
  let set = map.get(id);
  if (!set) map.set(id, (set = new Set()));
  set.add(value);
  return () => {
    set.delete(value);
    if (set.size === 0) map.delete(id);
  };
}
