/**
 * `GET /v1/exports` in distributed mode: every job BullMQ holds, read by state (so each record gets the
 * state it was listed under), checked like any record from Redis, then filtered and paged like the embedded
 * queue's (jobs/job-list.ts). A record that fails the check is left out and logged rather than failing the
 * whole listing. Jobs cancelled while waiting live only as tombstones and are not listed.
 *
 * Cost: one read of every kept job per page (retention and `limits.jobsPerReport` bound them); fine for an
 * operator's listing, not meant for a client polling it many times a second.
 */
import type { JobState, Queue } from 'bullmq';
import type { ServiceLogger } from '../jobs/runner.js';
import { listJobs, type JobListQuery, type JobPage } from '../jobs/job-list.js';
import type { JobRecord } from '../jobs/types.js';
import { recordOf, type ExportJob } from './job-data.js';

const LISTED_STATES: readonly JobState[] = ['waiting', 'prioritized', 'delayed', 'waiting-children', 'active', 'completed', 'failed'];

export async function listRedisJobs(queue: Queue, query: JobListQuery, log: ServiceLogger): Promise<JobPage> {
  const records: JobRecord[] = [];
  for (const state of LISTED_STATES) {
    const jobs = (await queue.getJobs([state])) as ExportJob[];
    for (const job of jobs) {
      try {
        records.push(recordOf(job, state));
      } catch (error) {
        log.warn({ err: error, job: job.id }, 'left an invalid job record out of a listing');
      }
    }
  }
  // A job that moved between two state reads may appear twice: the later read wins.
  const byId = new Map(records.map((record) => [record.id, record]));
  return listJobs(byId.values(), query);
}
