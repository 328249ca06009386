/**
 * Listing jobs (`GET /v1/exports`): newest first, filtered, cursor-paginated. The order is (createdAt, id)
 * descending and the cursor is the last job's position in it, so a job accepted while a client pages is
 * never shown twice nor shifts the pages after it (it sorts before the cursor); a job deleted meanwhile
 * is simply absent. Visibility (docs/security.md) is a filter like the others, applied before the limit,
 * so every page is full and a token never learns how many jobs it cannot see.
 */
import { SheetpipeError } from '../../errors.js';
import type { JobRecord, JobStatus } from './types.js';

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

export interface JobListQuery {
  readonly report?: string;
  readonly status?: JobStatus;
  readonly schedule?: string;
  /** Epoch ms, inclusive bounds on createdAt. */
  readonly since?: number;
  readonly until?: number;
  readonly limit: number;
  readonly cursor?: JobCursor;
  /** Tenancy: the jobs the requesting token may see. */
  readonly visible: (job: JobRecord) => boolean;
}

export interface JobCursor {
  readonly createdAt: number;
  readonly id: string;
}

export interface JobPage {
  readonly jobs: JobRecord[];
  /** Absent on the last page. */
  readonly next?: JobCursor;
}

/** Newest first; ties (same millisecond) broken by id so the order is total. */
function newerFirst(a: JobRecord, b: JobRecord): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function beforeCursor(job: JobRecord, cursor: JobCursor): boolean {
  return job.createdAt < cursor.createdAt || (job.createdAt === cursor.createdAt && job.id < cursor.id);
}

function matches(job: JobRecord, query: JobListQuery): boolean {
  if (query.report !== undefined && job.report !== query.report) return false;
  if (query.status !== undefined && job.status !== query.status) return false;
  if (query.schedule !== undefined && job.schedule !== query.schedule) return false;
  if (query.since !== undefined && job.createdAt < query.since) return false;
  if (query.until !== undefined && job.createdAt > query.until) return false;
  if (query.cursor !== undefined && !beforeCursor(job, query.cursor)) return false;
  return query.visible(job);
}

/**
 * One page of `jobs` (any order) for `query`. A scan of the records: the embedded queue holds them in
 * memory, and with the default limits (1000 jobs per report) a scan is well under a millisecond.
 */
export function listJobs(jobs: Iterable<JobRecord>, query: JobListQuery): JobPage {
  const selected: JobRecord[] = [];
  for (const job of jobs) if (matches(job, query)) selected.push(job);
  selected.sort(newerFirst);
  const page = selected.slice(0, query.limit);
  const last = page[page.length - 1];
  return selected.length > query.limit && last ? { jobs: page, next: { createdAt: last.createdAt, id: last.id } } : { jobs: page };
}

/** The opaque form clients pass back as `cursor`. */
export function encodeCursor(cursor: JobCursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.id}`).toString('base64url');
}

/** @throws SheetpipeError SHEETPIPE_ERR_SERVICE_BAD_REQUEST for a cursor this service did not make. */
export function decodeCursor(text: string): JobCursor {
  const match = /^(\d{1,16})\.([0-9a-f-]{36})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!match) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', ['cursor is not one this service returned']);
  return { createdAt: Number(match[1]), id: match[2] as string };
}
