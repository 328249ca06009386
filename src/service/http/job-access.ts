/** Looks up a job for a request: 404 when unknown, 403 when the token may not see its report. */
import type { FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobRecord } from '../jobs/types.js';
import { dbWaitStart, noteDbWaitSince } from '../observability.js';
import { requireAllReports, requireReport } from './auth.js';

/** The job store's answer time counts as the request's database wait (a remote store can be slow). */
export async function findJob(queue: JobQueue, request: FastifyRequest, id: string): Promise<JobRecord> {
  const started = dbWaitStart(request);
  const job = await queue.get(id);
  noteDbWaitSince(request, started);
  if (!job) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['export', id]);
  if (job.report !== null) requireReport(request, job.report);
  else requireAllReports(request, 'ad-hoc SQL');
  return job;
}

/** Refuses new work while shutting down or shedding load (503 + Retry-After). */
export function admitNewExport(state: { shuttingDown: boolean }, check: () => { level: string; reason: string }, allowQueueLevel: boolean): void {
  if (state.shuttingDown) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_SHUTTING_DOWN');
  const assessment = check();
  if (assessment.level === 'refuse' || (assessment.level === 'queue' && !allowQueueLevel)) {
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_OVERLOADED', [assessment.reason]);
  }
}
