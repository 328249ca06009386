/** What the service's plugins share: built once by buildApp, handed to each plugin as its options. */
import type { Observability } from '../observability/fastify-plugin.js';
import type { AdmissionController } from './admission.js';
import type { ConfigHolder } from './config/holder.js';
import type { ServiceConfig } from './config/types.js';
import type { JobQueue } from './jobs/job-queue.js';
import type { JobFiles } from './jobs/files.js';
import type { S3Storage } from './storage/s3-storage.js';
import type { DownloadRunner } from './jobs/download-runner.js';
import type { ServiceLogger } from './jobs/runner.js';
import type { RunningPerOwner } from './jobs/owner-limit.js';
import type { ExportSlots } from './jobs/slots.js';
import type { ServiceMetrics } from './metrics.js';
import type { DeliveryStatusSource } from './delivery/status.js';

/** Long-lived responses (SSE streams, direct downloads) that shutdown must end. */
export interface OpenStreams {
  readonly events: Set<() => void>;
  readonly downloads: Set<{ readonly controller: AbortController; readonly done: Promise<void> }>;
}

export interface ServiceState {
  /** Set on SIGTERM / app.close(): new exports get 503, /readyz says so. */
  shuttingDown: boolean;
}

export interface ServiceContext {
  /**
   * The current config snapshot (configs.current()). A reload replaces it: read it inside each request
   * handler, once, and never keep it in a plugin's closure.
   */
  readonly config: ServiceConfig;
  readonly configs: ConfigHolder;
  readonly queue: JobQueue;
  readonly admission: AdmissionController;
  readonly slots: ExportSlots;
  /** Running exports per token (limits.runningExportsPerToken). */
  readonly owners: RunningPerOwner;
  readonly files: JobFiles;
  /** The bucket of `storage.s3`, when finished files live there instead of in `files` (distributed mode). */
  readonly objects?: S3Storage;
  readonly metrics: ServiceMetrics;
  /** Runs a direct download's export into its response. */
  readonly downloads: DownloadRunner;
  readonly streams: OpenStreams;
  readonly state: ServiceState;
  readonly log: ServiceLogger;
  /** The latency ring, runtime monitor and coloring counters; undefined while observability is off. */
  readonly observability: Observability | undefined;
  /** Deliveries of finished jobs (webhooks, email); undefined when none are configured. */
  readonly delivery?: DeliveryStatusSource;
}
