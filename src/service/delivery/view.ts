/** A job's `delivery` in API answers: added only for jobs that have deliveries, so other answers keep their shape. */
import type { ServiceContext } from '../context.js';
import type { JobRecord } from '../jobs/types.js';

export function hasDeliveries(job: JobRecord): boolean {
  return job.deliver !== undefined && job.deliver.length > 0;
}

export function withDelivery(context: ServiceContext, job: JobRecord, view: Record<string, unknown>): Record<string, unknown> {
  if (!hasDeliveries(job)) return view;
  return { ...view, delivery: context.delivery?.statusOf(job) ?? null };
}
