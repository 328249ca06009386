/**
 * `limits.jobsPerToken`, `limits.jobsPerReport` and `limits.storageMbPerReport`: what one client or one
 * report may keep (waiting, running and finished jobs until retention or DELETE removes them), so a
 * client cannot fill the job store or the storage. Checked before a job is accepted (429 naming the
 * limit). Scheduled jobs count towards their report's limits but are never refused by them (the operator
 * configured them). Needs a queue that can answer its usage (JobQueue.usage): the embedded and the Redis
 * queue can; a custom queue without it is not limited here (docs/security.md).
 */
import { SheetpipeError } from '../../errors.js';
import type { InputLimitsConfig } from '../config/types.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobRequest } from '../jobs/types.js';

export async function checkJobQuota(queue: JobQueue, limits: InputLimitsConfig, job: JobRequest): Promise<void> {
  if (queue.usage === undefined) return;
  const usage = await queue.usage(job.owner, job.report);
  if (job.owner !== null && usage.ownerJobs >= limits.jobsPerToken) {
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_QUOTA', ['this token', `${usage.ownerJobs} jobs`, 'jobsPerToken', limits.jobsPerToken]);
  }
  if (job.report === null) return;
  if (usage.reportJobs >= limits.jobsPerReport) {
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_QUOTA', [`report ${job.report}`, `${usage.reportJobs} jobs`, 'jobsPerReport', limits.jobsPerReport]);
  }
  const limitBytes = limits.storageMbPerReport * 1_048_576;
  if (usage.reportBytes >= limitBytes) {
    const mb = (usage.reportBytes / 1_048_576).toFixed(1);
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_QUOTA', [`report ${job.report}`, `${mb} MB of files`, 'storageMbPerReport', limits.storageMbPerReport]);
  }
}
