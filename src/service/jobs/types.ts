/** Export jobs: what a client asks for, and the record the service keeps of it. */
import type { ExportFormat } from '../../pipeline/types.js';
import type { ParamValue } from '../config/types.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

export function isFinished(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}

/** The trace context a job carries from its request into the SQL comment and the file's properties. */
export interface JobTrace {
  readonly traceparent: string;
  readonly tracestate?: string;
  readonly baggage?: string;
  /** 32 hex, shown in the job status. */
  readonly traceId: string;
  readonly color?: string;
}

/** A job's coloring state for ColoringMetrics.hop: its color, and the hops already counted for this run. */
export function jobHops(job: JobRequest): { readonly color: string | undefined; hops: number } {
  return { color: job.trace?.color, hops: 0 };
}

/** Trace fields for a job's log lines (traceId, color): its spans live where it runs, its trace id is the request's. */
export function jobLogFields(job: JobRequest): { traceId?: string; color?: string } {
  if (job.trace === null) return {};
  return job.trace.color === undefined ? { traceId: job.trace.traceId } : { traceId: job.trace.traceId, color: job.trace.color };
}

/** Either a configured report, or (for sources with `adHocSql`) a source and a query. */
export interface JobRequest {
  readonly report: string | null;
  readonly source: string | null;
  readonly query: string | null;
  readonly params: Readonly<Record<string, ParamValue | null>>;
  readonly format: ExportFormat;
  /** Shown in Content-Disposition; default `<report>-<id>.<format>`. */
  readonly filename: string | null;
  readonly origin: 'api' | 'schedule';
  /**
   * The id of the token that created the job (TokenConfig.id, never the secret); null for scheduled jobs,
   * which belong to every token allowed their report. Only the owner and `"*"` tokens see an owned job.
   */
  readonly owner: string | null;
  /** Present when the request came with (or was given) a trace context. */
  readonly trace: JobTrace | null;
  /** The schedule's name for scheduled jobs (absent or null otherwise). */
  readonly schedule?: string | null;
  /** Names of configured deliveries to run when the job ends (delivery/manager.ts). */
  readonly deliver?: readonly string[];
}

export interface JobError {
  readonly code: string;
  readonly message: string;
}

export interface JobRecord extends JobRequest {
  readonly id: string;
  readonly status: JobStatus;
  /** Data rows (the header row is not counted). */
  readonly rows: number;
  /** Bytes written so far; the final file size once succeeded. */
  readonly bytes: number;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: JobError | null;
  /** `host:pid` of the process that ran the job (distributed mode). */
  readonly worker?: string | null;
}

export type JobEvent =
  | { readonly type: 'progress'; readonly rows: number; readonly bytes: number; readonly rowsPerSecond: number }
  | { readonly type: 'end'; readonly job: JobRecord };

export type JobListener = (event: JobEvent) => void;

export interface QueueCounts {
  /** Jobs waiting for a slot (what `limits.queueLength` bounds). */
  readonly waiting: number;
  readonly running: number;
}

/** The JSON shape of a job in API answers (times as ISO-8601). */
export function jobView(job: JobRecord): Record<string, unknown> {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: job.id,
    report: job.report,
    ...(job.source !== null && job.report === null ? { source: job.source } : {}),
    status: job.status,
    format: job.format,
    filename: job.filename,
    params: job.params,
    rows: job.rows,
    bytes: job.bytes,
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    error: job.error,
    origin: job.origin,
    schedule: job.schedule ?? null,
    owner: job.owner,
    ...(job.worker === undefined ? {} : { worker: job.worker }),
    traceId: job.trace?.traceId ?? null,
    color: job.trace?.color ?? null,
  };
}
