/** What the queue needs from whoever actually runs an export (the pipeline, in production). */
import type { JobRecord } from './types.js';

export interface RunControl {
  /** Aborted on DELETE or shutdown; the runner must stop the query and remove its temp file before it settles. */
  readonly signal: AbortSignal;
  readonly onProgress: (rows: number, bytes: number) => void;
}

export interface RunOutcome {
  readonly rows: number;
  /** Final file size. */
  readonly bytes: number;
}

export interface JobRunner {
  run(job: JobRecord, control: RunControl): Promise<RunOutcome>;
}

/** Whether admission control lets a new export start now (memory and event loop below the queue watermark). */
export interface StartGate {
  mayStart(): boolean;
  /** Called when the answer may have changed. */
  onChange(listener: () => void): () => void;
}

/** The few logger methods the service uses (fastify's pino logger fits). */
export interface ServiceLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}
