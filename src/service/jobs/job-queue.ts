/**
 * The job queue extension point. The embedded default is LocalJobQueue (SQLite records, files
 * in storage.dir, an in-process FIFO); a distributed one (e.g. BullMQ on Redis) implements the
 * same interface. Everything that may cross a network is async; `counts()` is a cached snapshot
 * because /metrics and /readyz read it on every scrape.
 */
import type { JobListener, JobRecord, JobRequest, QueueCounts } from './types.js';
import type { JobListQuery, JobPage } from './job-list.js';

export interface QueueUsage {
  /** Jobs of the owner (0 for owner null). */
  readonly ownerJobs: number;
  readonly reportJobs: number;
  /** Bytes of the report's finished files. */
  readonly reportBytes: number;
}

export interface JobQueue {
  /** Restores persisted jobs (re-queues waiting ones, fails interrupted ones) and starts dispatching. */
  start(): Promise<void>;
  /**
   * Accepts a job and answers its record at that moment (`queued`, or `running` if it started at once).
   * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_QUEUE_FULL when `queueLength` jobs wait already;
   *   SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN after close() began.
   */
  enqueue(request: JobRequest): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * Cancels a queued or running job; resolves once its query is stopped and its temp file is gone,
   * with the `canceled` record. A finished job is answered unchanged.
   */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** Deletes a finished job's record and file; answers the record as it was, undefined when unknown or unfinished. */
  remove(id: string): Promise<JobRecord | undefined>;
  /** Progress and end events of one job; returns the unsubscribe function. */
  subscribe(id: string, listener: JobListener): () => void;
  counts(): QueueCounts;
  /**
   * Optional: what is kept (jobs of any status, bytes of finished files) for an owner and a report, for
   * the per-token and per-report limits (http/quota.ts). Queues without it are not limited there.
   */
  usage?(owner: string | null, report: string | null): Promise<QueueUsage>;
  /** Optional: one page of jobs, newest first (job-list.ts). Queues without it answer `GET /v1/exports` with 501. */
  list?(query: JobListQuery): Promise<JobPage>;
  /** Stops dispatching; running jobs get `graceMs` to finish, then are cancelled. Waiting jobs stay queued. */
  close(graceMs: number): Promise<void>;
}

const METHODS = ['start', 'enqueue', 'get', 'cancel', 'remove', 'subscribe', 'counts', 'close'] as const;

/** Runtime guard for queues handed in from outside (plain JS callers, plugins). */
export function isJobQueue(value: unknown): value is JobQueue {
  if (typeof value !== 'object' || value === null) return false;
  return METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}
