/**
 * The embedded JobQueue: records in SQLite, files on local disk, a FIFO of waiting jobs in
 * memory, and at most `limits.concurrentExports` running (slots shared with direct downloads).
 * All records are also kept in a Map so `GET /v1/exports/:id` never touches the disk.
 */
import { randomUUID } from 'node:crypto';
import { SheetpipeError } from '../../errors.js';
import type { JobQueue, QueueUsage } from './job-queue.js';
import type { JobStore } from './job-store.js';
import type { RunningPerOwner } from './owner-limit.js';
import type { JobFiles } from './files.js';
import type { ExportSlots, Release } from './slots.js';
import type { JobRunner, ServiceLogger, StartGate } from './runner.js';
import { isFinished, jobLogFields, type JobError, type JobListener, type JobRecord, type JobRequest, type QueueCounts } from './types.js';
import { RetentionSweeper } from './retention.js';
import { jobErrorOf } from '../exec/error-wire.js';
import { withinGrace } from '../../util/grace.js';
import { listJobs, type JobListQuery, type JobPage } from './job-list.js';

export interface LocalJobQueueOptions {
  readonly store: JobStore;
  readonly files: JobFiles;
  readonly runner: JobRunner;
  readonly slots: ExportSlots;
  readonly gate: StartGate;
  readonly queueLength: number;
  readonly retentionMs: number;
  readonly log: ServiceLogger;
  /** Called once for every job that ends (metrics). */
  readonly onFinished?: (job: JobRecord) => void;
  /** Minimum time between two progress events of one job. */
  readonly progressIntervalMs?: number;
  /** Running exports per token; a job over its token's limit waits while later jobs of others start. */
  readonly owners?: RunningPerOwner;
}

interface Running {
  rows: number;
  bytes: number;
  lastEmit: number;
  readonly controller: AbortController;
  done?: Promise<void>;
}

function storageError(what: string, error: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_STORAGE_WRITE', [what, (error as Error)?.message ?? String(error)], { cause: error });
}

export class LocalJobQueue implements JobQueue {
  readonly #options: LocalJobQueueOptions;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #waiting: string[] = [];
  readonly #running = new Map<string, Running>();
  readonly #listeners = new Map<string, Set<JobListener>>();
  readonly #sweeper: RetentionSweeper;
  readonly #unsubscribe: (() => void)[] = [];
  #closing = false;
  #lastStoreError: unknown;

  constructor(options: LocalJobQueueOptions) {
    this.#options = options;
    this.#sweeper = new RetentionSweeper(options.retentionMs, () => this.#sweep(), options.log);
  }

  async start(): Promise<void> {
    const { store, files, log } = this.#options;
    await files.ensureDir();
    const interrupted = new SheetpipeError('SHEETPIPE_ERR_SERVICE_JOB_INTERRUPTED');
    const failed = store.failInterrupted(Date.now(), { code: interrupted.code, message: interrupted.message });
    if (failed.length > 0) log.warn({ jobs: failed }, 'marked exports interrupted by a restart as failed');
    for (const job of store.all()) {
      this.#jobs.set(job.id, job);
      if (job.status === 'queued') this.#waiting.push(job.id);
    }
    await files.removeOrphans((id) => this.#jobs.get(id)?.status === 'succeeded');
    this.#unsubscribe.push(this.#options.slots.onFreed(() => this.#pump()), this.#options.gate.onChange(() => this.#pump()));
    this.#sweeper.start();
    this.#pump();
  }

  async enqueue(request: JobRequest): Promise<JobRecord> {
    if (this.#closing) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
    const { slots, gate, queueLength } = this.#options;
    const startsNow = this.#waiting.length === 0 && slots.used < slots.limit && gate.mayStart();
    if (!startsNow && this.#waiting.length >= queueLength) {
      throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_QUEUE_FULL', [this.#waiting.length]);
    }
    const job: JobRecord = {
      ...request, id: randomUUID(), status: 'queued', rows: 0, bytes: 0,
      createdAt: Date.now(), startedAt: null, finishedAt: null, error: null,
    };
    try {
      this.#options.store.insert(job);
    } catch (error) {
      // Typically SQLITE_FULL: nothing was stored, the client gets 507 and may retry.
      throw storageError('recording a new export', error);
    }
    this.#jobs.set(job.id, job);
    this.#waiting.push(job.id);
    this.#pump();
    return this.#snapshot(job.id) as JobRecord;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.#snapshot(id);
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    const job = this.#jobs.get(id);
    if (!job || isFinished(job.status)) return job;
    const reason = new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', ['cancelled by DELETE /v1/exports/' + id]);
    const running = this.#running.get(id);
    if (running) {
      running.controller.abort(reason);
      await running.done;
    } else {
      this.#waiting.splice(this.#waiting.indexOf(id), 1);
      this.#finish(job, 'canceled', jobErrorOf(reason));
    }
    return this.#jobs.get(id);
  }

  async remove(id: string): Promise<JobRecord | undefined> {
    const job = this.#jobs.get(id);
    if (!job || !isFinished(job.status)) return undefined;
    // Files first, as in distributed mode: the record outlives its files, never the other way round.
    await this.#options.files.removeAll(id);
    this.#jobs.delete(id);
    try {
      this.#options.store.delete(id);
    } catch (error) {
      throw storageError('deleting an export', error);
    }
    return job;
  }

  subscribe(id: string, listener: JobListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(id);
    };
  }

  counts(): QueueCounts {
    return { waiting: this.#waiting.length, running: this.#running.size };
  }

  /** For the per-token and per-report limits (http/quota.ts): a scan of the records in memory. */
  async usage(owner: string | null, report: string | null): Promise<QueueUsage> {
    let ownerJobs = 0;
    let reportJobs = 0;
    let reportBytes = 0;
    for (const job of this.#jobs.values()) {
      if (owner !== null && job.owner === owner) ownerJobs++;
      if (report !== null && job.report === report) {
        reportJobs++;
        if (job.status === 'succeeded') reportBytes += job.bytes;
      }
    }
    return { ownerJobs, reportJobs, reportBytes };
  }

  /** `GET /v1/exports`: a scan of the records in memory (running ones with their live counts). */
  async list(query: JobListQuery): Promise<JobPage> {
    return listJobs([...this.#jobs.keys()].map((id) => this.#snapshot(id) as JobRecord), query);
  }

  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    this.#sweeper.stop();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const all = (): Promise<unknown> => Promise.all([...this.#running.values()].map((running) => running.done));
    await withinGrace(all(), graceMs);
    const reason = new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
    for (const running of this.#running.values()) running.controller.abort(reason);
    await all();
  }

  #snapshot(id: string): JobRecord | undefined {
    const job = this.#jobs.get(id);
    const running = this.#running.get(id);
    return job && running ? { ...job, rows: running.rows, bytes: running.bytes } : job;
  }

  #pump(): void {
    const owners = this.#options.owners;
    while (!this.#closing && this.#waiting.length > 0 && this.#options.gate.mayStart()) {
      // FIFO among the jobs whose token may start one more export.
      const index = owners === undefined ? 0 : this.#waiting.findIndex((id) => owners.mayStart(this.#jobs.get(id)?.owner ?? null));
      if (index < 0) return;
      const release = this.#options.slots.tryAcquire();
      if (!release) return;
      const [id] = this.#waiting.splice(index, 1) as [string];
      const ownerRelease = owners?.start(this.#jobs.get(id)?.owner ?? null);
      // The owner's count drops first: the slot's release pumps the queue, which must see it.
      this.#start(id, () => {
        ownerRelease?.();
        release();
      });
    }
  }

  #start(id: string, release: Release): void {
    const job: JobRecord = { ...(this.#jobs.get(id) as JobRecord), status: 'running', startedAt: Date.now() };
    this.#jobs.set(id, job);
    if (!this.#persist(job)) {
      // Not started: a job whose start is not on disk would be re-queued (not failed) after a crash.
      release();
      this.#finish(job, 'failed', jobErrorOf(storageError('recording the start of an export', this.#lastStoreError)));
      return;
    }
    const running: Running = { rows: 0, bytes: 0, lastEmit: 0, controller: new AbortController() };
    this.#running.set(id, running);
    const interval = this.#options.progressIntervalMs ?? 250;
    const onProgress = (rows: number, bytes: number): void => {
      running.rows = rows;
      running.bytes = bytes;
      const now = Date.now();
      if (now - running.lastEmit < interval || !this.#listeners.has(id)) return;
      running.lastEmit = now;
      const seconds = Math.max((now - (job.startedAt as number)) / 1000, 0.001);
      this.#emit(id, { type: 'progress', rows, bytes, rowsPerSecond: Math.round(rows / seconds) });
    };
    running.done = this.#options.runner.run(job, { signal: running.controller.signal, onProgress }).then(
      (outcome) => {
        this.#running.delete(id);
        this.#finish({ ...job, rows: outcome.rows, bytes: outcome.bytes }, 'succeeded', null);
      },
      (error: unknown) => {
        this.#running.delete(id);
        const signal = running.controller.signal;
        if (!signal.aborted) this.#options.log.warn({ job: id, err: error, ...jobLogFields(job) }, 'export failed');
        const status = signal.aborted ? 'canceled' : 'failed';
        this.#finish({ ...job, rows: running.rows, bytes: 0 }, status, jobErrorOf(signal.aborted ? signal.reason : error));
      },
    ).catch((error: unknown) => {
      // #finish does not throw; this is the last net, so no rejection ever escapes a job's promise.
      this.#options.log.error({ job: id, err: error }, 'finishing an export failed');
    }).finally(release);
  }

  /**
   * Writes a record's state; a store error (SQLITE_FULL, SQLITE_IOERR) is logged, not thrown: the record in
   * memory stays right, the process lives, and after a restart the job reads as interrupted.
   */
  #persist(job: JobRecord): boolean {
    try {
      this.#options.store.update(job);
      return true;
    } catch (error) {
      this.#lastStoreError = error;
      this.#options.log.error({ job: job.id, status: job.status, err: error }, 'the job store could not record an export\'s state');
      return false;
    }
  }

  #finish(job: JobRecord, status: 'succeeded' | 'failed' | 'canceled', error: JobError | null): void {
    const finished: JobRecord = { ...job, status, error, finishedAt: Date.now() };
    this.#jobs.set(job.id, finished);
    this.#persist(finished);
    this.#options.onFinished?.(finished);
    this.#emit(job.id, { type: 'end', job: finished });
  }

  #emit(id: string, event: Parameters<JobListener>[0]): void {
    const listeners = this.#listeners.get(id);
    if (!listeners) return;
    for (const listener of [...listeners]) listener(event);
  }

  async #sweep(): Promise<number> {
    const expiredBefore = Date.now() - this.#options.retentionMs;
    const expired = [...this.#jobs.values()].filter((job) => job.finishedAt !== null && job.finishedAt <= expiredBefore);
    for (const job of expired) await this.remove(job.id);
    return expired.length;
  }
}
