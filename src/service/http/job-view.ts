/**
 * A job as a given client may see it: its error in the client's terms (public-errors.ts), its parameters
 * only for its owner (scheduled jobs' come from the config and are shown), and the worker's `host:pid`
 * only for `"*"` tokens, the operators.
 */
import type { ServiceConfig } from '../config/types.js';
import { jobView, type JobRecord } from '../jobs/types.js';
import type { Principal } from './auth.js';
import { maySeeParams } from './job-access.js';
import { publicError, sourceNameOf } from './public-errors.js';

export function publicJobView(job: JobRecord, config: ServiceConfig, principal: Principal | null): Record<string, unknown> {
  const view = jobView(job);
  if (!maySeeParams(principal, job)) view.params = null;
  if (job.error !== null) view.error = publicError(job.error, sourceNameOf(config, job));
  if (principal?.allReports !== true) delete view.worker;
  return view;
}
