/**
 * What an export job carries through Redis, and how a BullMQ job reads back as a JobRecord.
 *
 * BullMQ state    -> JobRecord status
 *   waiting, prioritized, delayed (a retry's backoff), paused  -> queued
 *   active                                                      -> running   (rows/bytes from job.progress)
 *   completed                                                   -> succeeded (rows/bytes from job.returnvalue)
 *   failed, failedReason `SHEETPIPE_ERR_PIPELINE_CANCELED: …`   -> canceled
 *   failed, any other reason                                    -> failed    (error decoded from failedReason)
 */
import type { Job, JobState } from 'bullmq';
import { SheetpipeError } from '../../errors.js';
import type { ColorHop } from '../../observability/coloring.js';
import { jobErrorOf } from '../exec/error-wire.js';
import type { JobError, JobRecord, JobRequest, JobStatus } from '../jobs/types.js';
import { checkedRecord } from './record-check.js';

export interface ExportJobData {
  /** As the API accepted it, with its trace context (`request.trace`) for the worker's SQL comment and file properties. */
  readonly request: JobRequest;
  /** Epoch ms when the API accepted the job. */
  readonly createdAt: number;
}

export interface ExportJobProgress {
  readonly rows: number;
  readonly bytes: number;
  /** Since this run started, measured on the worker (no clock skew between hosts). */
  readonly elapsedMs: number;
}

export interface ExportJobResult {
  readonly rows: number;
  /** Final file size. */
  readonly bytes: number;
  /** The coloring hops the job's color reached on the worker (absent in results of older workers). */
  readonly hops?: readonly ColorHop[];
}

export type ExportJob = Job<ExportJobData, ExportJobResult>;

/** A job record that also says which worker (`host:pid`) runs or ran it. */
export interface DistributedJobRecord extends JobRecord {
  readonly worker: string | null;
}

export const CANCELED_CODE = 'SHEETPIPE_ERR_PIPELINE_CANCELED';

/** BullMQ's own reasons for failing a job whose workers kept dying. */
const WORKER_LOST = /stalled more than allowable limit|started more than allowable limit/;
const ENCODED = /^(SHEETPIPE_ERR_[A-Z0-9_]+): ([\s\S]*)$/;

/** failedReason is shown by every BullMQ dashboard: keep it readable, `CODE: message`. */
export function encodeFailure(error: JobError): string {
  return `${error.code}: ${error.message}`;
}

export function decodeFailure(reason: string | undefined): JobError {
  const match = ENCODED.exec(reason ?? '');
  if (match) return { code: match[1] as string, message: match[2] as string };
  if (WORKER_LOST.test(reason ?? '')) {
    const lost = new SheetpipeError('SHEETPIPE_ERR_SERVICE_JOB_INTERRUPTED');
    return { code: lost.code, message: `${lost.message} (${reason})` };
  }
  return jobErrorOf(new Error(reason ?? 'unknown failure'));
}

function statusOf(state: JobState | 'unknown', error: JobError | null): JobStatus {
  switch (state) {
    case 'active': return 'running';
    case 'completed': return 'succeeded';
    case 'failed': return error?.code === CANCELED_CODE ? 'canceled' : 'failed';
    default: return 'queued';
  }
}

function isProgress(value: unknown): value is ExportJobProgress {
  return typeof value === 'object' && value !== null && typeof (value as ExportJobProgress).rows === 'number';
}

/** @throws SheetpipeError SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD when what Redis holds is not a sound record (record-check.ts). */
export function recordOf(job: ExportJob, state: JobState | 'unknown'): DistributedJobRecord {
  if (typeof job.data !== 'object' || job.data === null || typeof job.data.request !== 'object' || job.data.request === null) {
    throw new SheetpipeError('SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD', [String(job.id), 'it carries no request']);
  }
  const error = state === 'failed' ? decodeFailure(job.failedReason) : null;
  const status = statusOf(state, error);
  const progress = isProgress(job.progress) ? job.progress : { rows: 0, bytes: 0 };
  const result = status === 'succeeded' ? job.returnvalue : undefined;
  const queued = status === 'queued';
  return checkedRecord({
    ...job.data.request,
    id: job.id as string,
    status,
    rows: result?.rows ?? (queued ? 0 : progress.rows),
    bytes: result?.bytes ?? (status === 'running' ? progress.bytes : 0),
    createdAt: job.data.createdAt,
    startedAt: queued ? null : (job.processedOn ?? null),
    finishedAt: status === 'running' || queued ? null : (job.finishedOn ?? null),
    error,
    worker: queued ? null : (job.processedBy ?? null),
  }, job.id as string);
}
