/** What a custom JobQueue factory (buildApp's `createQueue`) gets from the service. */
import type { ColorHop } from '../../observability/coloring.js';
import type { ServiceConfig } from '../config/types.js';
import type { JobRunner, ServiceLogger } from './runner.js';
import type { ExportSlots } from './slots.js';
import type { JobRecord, JobRequest } from './types.js';

/** What a custom JobQueue factory gets: the local runner and the shared limits. */
export interface QueueParts {
  readonly config: ServiceConfig;
  readonly runner: JobRunner;
  readonly slots: ExportSlots;
  readonly onFinished: (job: JobRecord) => void;
  /** Counts the coloring hops a job reached where it ran (a distributed worker reports them with its result). */
  readonly onHops: (job: JobRequest, hops: readonly ColorHop[]) => void;
  readonly log: ServiceLogger;
}
