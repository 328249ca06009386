/**
 * Looks up a job for a request. Jobs are scoped to their owner: a job is visible (status, events, file,
 * cancel, delete) to the token that created it and to `"*"` tokens; a scheduled job (no owner) to every
 * token allowed its report. Anything else is 404, exactly like an unknown id, so a token cannot learn
 * that another token's job exists. An id that is not a UUID is 404 before the store is asked.
 */
import type { FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { ServiceConfig } from '../config/types.js';
import { isJobId } from '../jobs/job-id.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobRecord } from '../jobs/types.js';
import { dbWaitStart, noteDbWaitSince } from '../observability.js';
import type { Principal } from './auth.js';
import { sourceNameOf } from './public-errors.js';

/** May `principal` see `job` at all? */
export function maySee(principal: Principal | null, job: JobRecord): boolean {
  if (principal === null) return false;
  if (principal.allReports) return true;
  if (job.owner !== null) return job.owner === principal.id;
  return job.report !== null && principal.mayUse(job.report);
}

/** May `principal` see `job`'s parameters? Only its owner; scheduled jobs' come from the config. */
export function maySeeParams(principal: Principal | null, job: JobRecord): boolean {
  return principal !== null && (job.owner === null || job.owner === principal.id);
}

/** The job store's answer time counts as the request's database wait (a remote store can be slow). */
export async function findJob(queue: JobQueue, request: FastifyRequest, id: string, config: ServiceConfig): Promise<JobRecord> {
  const notFound = (): SheetpipeError => new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['export', isJobId(id) ? id : '(malformed id)']);
  if (!isJobId(id)) throw notFound();
  const started = dbWaitStart(request);
  const job = await queue.get(id);
  noteDbWaitSince(request, started);
  if (!job || !maySee(request.principal, job)) throw notFound();
  // Errors about this job (a 410's cause) name its source by its configured name.
  request.sheetpipeSource = sourceNameOf(config, job);
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
