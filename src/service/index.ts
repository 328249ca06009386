/** Public surface of the export service (package export `sheetpipe/service`; reference: docs/service.md). */
export { buildApp, type BuildAppOptions, type QueueParts } from './app.js';
export { loadConfig, type LoadConfigOptions } from './config/load.js';
export { validateConfig, type ValidateOptions } from './config/validate.js';
export type * from './config/types.js';
export { serveCommand, SERVE_USAGE } from './serve-command.js';
export { isJobQueue, type JobQueue } from './jobs/job-queue.js';
export type { JobRunner, RunControl, RunOutcome } from './jobs/runner.js';
export type { JobEvent, JobListener, JobRecord, JobRequest, JobStatus, QueueCounts } from './jobs/types.js';
export { ExportSlots } from './jobs/slots.js';
export { containerMemoryLimit } from './memory-limit.js';
export * from './distributed/index.js';
