/**
 * Runs the deliveries of finished jobs: for each target the job names (`deliver`, from its schedule or its
 * request), attempts until one succeeds or `maxAttempts` is reached, waiting a random time up to
 * min(backoffSeconds · 2^(n−1), maxBackoffSeconds) before retry n ("full jitter", so receivers that were down
 * are not hit by every sender at the same instant). Every attempt is stored (delivery-store.ts) and shown in
 * the job's `delivery`. A delivery never changes the job: a succeeded export whose webhook is down stays
 * `succeeded`, with `delivery.status: failed` and the attempts saying why.
 */
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import type { ServiceConfig } from '../config/types.js';
import type { ServiceLogger } from '../jobs/runner.js';
import type { JobRecord } from '../jobs/types.js';
import type { DeliveryTarget } from './config.js';
import type { DeliveryRow, DeliveryStore } from './delivery-store.js';
import type { LinkSigner } from './links.js';
import { overallState, type DeliveryAttempt, type DeliveryStatusSource, type JobDelivery } from './status.js';
import type { AttemptResult } from './webhook.js';
import { withinGrace } from '../../util/grace.js';

/** Sends one attempt; throws a SheetpipeError (DELIVERY_*) on failure, with `details.status` when there was a reply. */
export type Sender = (target: DeliveryTarget, job: JobRecord, deliveryId: string) => Promise<AttemptResult>;

export interface DeliveryManagerOptions {
  readonly config: ServiceConfig;
  readonly store: DeliveryStore;
  readonly links: LinkSigner;
  readonly getJob: (id: string) => Promise<JobRecord | undefined>;
  readonly send: Sender;
  readonly log: ServiceLogger;
  /** Called after every attempt (metrics): `outcome` is delivered, retry (another attempt is planned) or failed. */
  readonly onAttempt?: (type: DeliveryTarget['type'], outcome: 'delivered' | 'retry' | 'failed') => void;
  /** For tests of the backoff; Math.random by default. */
  readonly random?: () => number;
}

const key = (jobId: string, target: string): string => `${jobId}\u0000${target}`;

/** Attempts in flight at once: 200 schedules ending at 03:00 must not open 400 connections at the same moment. */
const MAX_IN_FLIGHT = 8;

export class DeliveryManager implements DeliveryStatusSource {
  readonly #options: DeliveryManagerOptions;
  readonly #rows = new Map<string, DeliveryRow>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #inFlight = new Set<Promise<void>>();
  /** Due attempts waiting for one of the MAX_IN_FLIGHT places, in the order they became due. */
  readonly #due: { readonly jobId: string; readonly target: string }[] = [];
  #closed = false;

  constructor(options: DeliveryManagerOptions) {
    this.#options = options;
  }

  /** Loads stored deliveries and resumes the pending ones (after a restart: at-least-once). */
  start(): void {
    for (const row of this.#options.store.all()) {
      this.#rows.set(key(row.jobId, row.target), row);
      if (row.status === 'pending') this.#schedule(row, Math.max(0, (row.nextAt ?? 0) - Date.now()));
    }
  }

  /** Called for every job that ends. Canceled jobs are not delivered (someone stopped them on purpose). */
  onFinished(job: JobRecord): void {
    if (this.#closed || !job.deliver || job.deliver.length === 0) return;
    if (job.status !== 'succeeded' && job.status !== 'failed') return;
    for (const name of job.deliver) {
      if (this.#rows.has(key(job.id, name))) continue;
      const type = this.#options.config.delivery.targets.get(name)?.type ?? 'webhook';
      const row: DeliveryRow = { jobId: job.id, target: name, type, status: 'pending', attempts: [], nextAt: Date.now() };
      this.#save(row);
      this.#schedule(row, 0);
    }
  }

  statusOf(job: JobRecord): JobDelivery | null {
    if (!job.deliver || job.deliver.length === 0) return null;
    const targets = job.deliver.map((name) => {
      const row = this.#rows.get(key(job.id, name));
      const type = this.#options.config.delivery.targets.get(name)?.type ?? row?.type ?? 'webhook';
      return {
        name, type, status: row?.status ?? 'pending', attempts: row?.attempts ?? [],
        nextAttemptAt: row?.status === 'pending' && row.nextAt !== null ? new Date(row.nextAt).toISOString() : null,
      };
    });
    return { status: overallState(targets), targets };
  }

  /** Forgets the deliveries of jobs that no longer exist. */
  async prune(exists: (jobId: string) => Promise<boolean>): Promise<void> {
    const jobIds = new Set([...this.#rows.values()].map((row) => row.jobId));
    for (const jobId of jobIds) if (!this.#closed && !(await exists(jobId))) this.forget(jobId);
  }

  /** Forgets the deliveries of a removed job (pending ones are dropped). */
  forget(jobId: string): void {
    for (const [id, row] of this.#rows) {
      if (row.jobId !== jobId) continue;
      clearTimeout(this.#timers.get(id));
      this.#timers.delete(id);
      this.#rows.delete(id);
    }
    this.#options.store.deleteJob(jobId);
  }

  /** Stops retrying; attempts in flight get `graceMs` to finish. Pending deliveries stay stored and resume at the next start. */
  async close(graceMs = 5000): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await withinGrace(Promise.all([...this.#inFlight]), graceMs);
  }

  #save(row: DeliveryRow): void {
    this.#rows.set(key(row.jobId, row.target), row);
    this.#options.store.save(row);
  }

  #schedule(row: DeliveryRow, delayMs: number): void {
    const id = key(row.jobId, row.target);
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.#due.push({ jobId: row.jobId, target: row.target });
      this.#drain();
    }, delayMs);
    timer.unref();
    this.#timers.set(id, timer);
  }

  #drain(): void {
    while (!this.#closed && this.#inFlight.size < MAX_IN_FLIGHT && this.#due.length > 0) {
      const { jobId, target } = this.#due.shift() as { jobId: string; target: string };
      const attempt = this.#attempt(jobId, target).catch((error: unknown) => this.#options.log.error({ err: error, job: jobId }, 'delivery attempt crashed'));
      this.#inFlight.add(attempt);
      void attempt.finally(() => {
        this.#inFlight.delete(attempt);
        this.#drain();
      });
    }
  }

  async #attempt(jobId: string, name: string): Promise<void> {
    const row = this.#rows.get(key(jobId, name));
    if (!row || row.status !== 'pending' || this.#closed) return;
    const target = this.#options.config.delivery.targets.get(name);
    const job = await this.#options.getJob(jobId);
    const started = Date.now();
    if (!job || !target) {
      const error = !job
        ? new SheetpipeError('SHEETPIPE_ERR_DELIVERY_JOB_GONE', [jobId, name])
        : new SheetpipeError('SHEETPIPE_ERR_SERVICE_CONFIG', [`deliveries.${name}`, 'is no longer configured']);
      this.#save({ ...row, status: 'failed', nextAt: null, attempts: [...row.attempts, { at: new Date(started).toISOString(), ok: false, error: { code: error.code, message: error.message }, durationMs: 0 }] });
      return;
    }
    // The idempotency key: the same for every attempt of this job and target, and across restarts.
    const deliveryId = `${job.id}:${name}`;
    let attempt: DeliveryAttempt;
    try {
      const result = await this.#options.send(target, job, deliveryId);
      attempt = { at: new Date(started).toISOString(), ok: true, ...(result.status === undefined ? {} : { status: result.status }), durationMs: Date.now() - started };
    } catch (error) {
      const known = isSheetpipeError(error) ? error : new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', ['delivery failed']);
      const status = known.details.status;
      attempt = {
        at: new Date(started).toISOString(), ok: false, durationMs: Date.now() - started,
        error: { code: known.code, message: known.message }, ...(typeof status === 'number' ? { status } : {}),
      };
      this.#options.log.warn({ job: job.id, delivery: name, attempt: row.attempts.length + 1, err: error }, 'delivery attempt failed');
    }
    const attempts = [...row.attempts, attempt];
    const outcome = attempt.ok ? 'delivered' : attempts.length >= target.maxAttempts ? 'failed' : 'retry';
    this.#options.onAttempt?.(target.type, outcome);
    if (attempt.ok) return this.#save({ ...row, status: 'delivered', attempts, nextAt: null });
    if (attempts.length >= target.maxAttempts) {
      this.#options.log.error({ job: job.id, delivery: name, attempts: attempts.length }, 'delivery failed; no attempts left');
      return this.#save({ ...row, status: 'failed', attempts, nextAt: null });
    }
    const capMs = Math.min(target.backoffSeconds * 1000 * 2 ** (attempts.length - 1), target.maxBackoffSeconds * 1000);
    const delay = Math.round((this.#options.random ?? Math.random)() * capMs);
    const next: DeliveryRow = { ...row, attempts, nextAt: Date.now() + delay };
    this.#save(next);
    if (!this.#closed) this.#schedule(next, delay);
  }
}
