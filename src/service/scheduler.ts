/**
 * Cron-driven exports. Each run waits a random jitter (up to `jitterSeconds`, never past the
 * next run) so 200 reports due at 03:00 do not arrive in the same millisecond, then enqueues
 * through the same limits as a client. When the queue is full or the service sheds load, the
 * run is logged, counted (`sheetpipe_schedule_runs_total{outcome="deferred"}`) and retried every
 * `limits.retryAfterSeconds` until it is accepted or the next run of that schedule is due.
 */
import { Cron } from 'croner';
import { isSheetpipeError } from '../errors.js';
import { CRON_MODE } from './config/schedules.js';
import type { ScheduleConfig } from './config/types.js';
import type { JobRecord, JobRequest } from './jobs/types.js';
import type { ServiceLogger } from './jobs/runner.js';

export interface SchedulerOptions {
  /** Enqueues like POST /v1/exports does; throws QUEUE_FULL / OVERLOADED / SHUTTING_DOWN. */
  readonly submit: (request: JobRequest) => Promise<JobRecord>;
  readonly retryMs: number;
  readonly log: ServiceLogger;
  readonly onRun?: (report: string, outcome: 'enqueued' | 'deferred') => void;
}

const RETRYABLE = new Set(['SHEETPIPE_ERR_SERVICE_QUEUE_FULL', 'SHEETPIPE_ERR_SERVICE_OVERLOADED', 'SHEETPIPE_ERR_SERVICE_BUSY']);

class ScheduledReport {
  readonly #schedule: ScheduleConfig;
  readonly #options: SchedulerOptions;
  readonly #cron: Cron;
  /** The jitter or retry timer of the current run, if one is pending. */
  #timer: NodeJS.Timeout | undefined;

  constructor(schedule: ScheduleConfig, options: SchedulerOptions) {
    this.#schedule = schedule;
    this.#options = options;
    this.#cron = new Cron(schedule.cron, { mode: CRON_MODE, unref: true, ...(schedule.timeZone ? { timezone: schedule.timeZone } : {}) }, () => this.#due());
  }

  #due(): void {
    // A run still waiting for room is replaced by this newer one.
    clearTimeout(this.#timer);
    const untilNext = this.#cron.msToNext() ?? Infinity;
    const jitterMs = Math.random() * Math.min(this.#schedule.jitterSeconds * 1000, untilNext);
    this.#wait(jitterMs);
  }

  #wait(ms: number): void {
    this.#timer = setTimeout(() => void this.#submit(), ms);
    this.#timer.unref();
  }

  async #submit(): Promise<void> {
    this.#timer = undefined;
    const { report, params, format, filename, name, deliver } = this.#schedule;
    try {
      const job = await this.#options.submit({
        report, source: null, query: null, params, format, filename: filename ?? null, origin: 'schedule', owner: null, trace: null,
        schedule: name, ...(deliver.length > 0 ? { deliver } : {}),
      });
      this.#options.onRun?.(report, 'enqueued');
      this.#options.log.info({ report, job: job.id }, 'scheduled export enqueued');
    } catch (error) {
      if (isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN')) return;
      if (!isSheetpipeError(error) || !RETRYABLE.has(error.code)) {
        this.#options.log.error({ report, err: error }, 'scheduled export could not be enqueued');
        return;
      }
      this.#options.onRun?.(report, 'deferred');
      const untilNext = this.#cron.msToNext() ?? Infinity;
      this.#options.log.warn({ report, reason: error.message }, 'scheduled export deferred');
      if (this.#options.retryMs < untilNext) this.#wait(this.#options.retryMs);
    }
  }

  nextRun(): Date | null {
    return this.#cron.nextRun();
  }

  stop(): void {
    this.#cron.stop();
    clearTimeout(this.#timer);
  }
}

/** A schedule's identity across reloads: every field (readSchedules builds them in a fixed key order). */
const keyOf = (schedule: ScheduleConfig): string => JSON.stringify(schedule);

export class Scheduler {
  readonly #options: SchedulerOptions;
  #reports: Array<{ readonly key: string; readonly report: ScheduledReport }>;

  /** Starts every schedule at once; stop() ends them (and any pending jittered run). */
  constructor(schedules: readonly ScheduleConfig[], options: SchedulerOptions) {
    this.#options = options;
    this.#reports = schedules.map((schedule) => ({ key: keyOf(schedule), report: new ScheduledReport(schedule, options) }));
  }

  /**
   * After a config reload: a schedule whose definition is unchanged keeps running as it was (its next run,
   * and a run waiting out its jitter or for room in the queue, stay); removed or changed ones stop, new or
   * changed ones start. A changed one whose cron is the same gets the same next run anyway (croner computes it
   * from the clock), but a run of the old definition still waiting out its jitter is dropped.
   */
  update(schedules: readonly ScheduleConfig[]): void {
    const old = [...this.#reports];
    this.#reports = schedules.map((schedule) => {
      const key = keyOf(schedule);
      const at = old.findIndex((entry) => entry.key === key);
      if (at >= 0) return old.splice(at, 1)[0] as { key: string; report: ScheduledReport };
      return { key, report: new ScheduledReport(schedule, this.#options) };
    });
    for (const entry of old) entry.report.stop();
  }

  /** Next run of each schedule, in config order (for tests and logs). */
  nextRuns(): Array<Date | null> {
    return this.#reports.map((entry) => entry.report.nextRun());
  }

  stop(): void {
    for (const entry of this.#reports) entry.report.stop();
  }
}

