/**
 * What a client may learn from an error. Messages of some catalogue errors carry internals (a database
 * host and user, a storage path, the Redis URL, a driver's text); for those the catalogue has a `client`
 * message that names the source by its configured name only, and the full message goes to the log under
 * the request's trace id. Codes a client could not have been sent on purpose (an unknown code read back
 * from a job record) become SERVICE_INTERNAL.
 */
import type { FastifyRequest } from 'fastify';
import { ERRORS, formatMessage, type ErrorSpec } from '../../errors.js';
import type { ServiceConfig } from '../config/types.js';
import type { JobError, JobRequest } from '../jobs/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The configured source name of what the request exports, so an error can name it (null: none yet). */
    sheetpipeSource: string | null;
  }
}

export interface PublicError {
  readonly code: string;
  readonly message: string;
}

/** True when the client gets another message than the error's own (the detail then belongs in the log). */
export function isRedacted(code: string): boolean {
  const spec = (ERRORS as Record<string, ErrorSpec | undefined>)[code];
  return spec === undefined || spec.client !== undefined;
}

/** The client's version of a catalogue error or a job's stored error. */
export function publicError(error: JobError, sourceName: string | null): PublicError {
  const spec = (ERRORS as Record<string, ErrorSpec | undefined>)[error.code];
  if (spec === undefined) return { code: 'SHEETPIPE_ERR_SERVICE_INTERNAL', message: ERRORS.SHEETPIPE_ERR_SERVICE_INTERNAL.client };
  if (spec.client === undefined) return { code: error.code, message: error.message };
  return { code: error.code, message: formatMessage(spec.client, [sourceName ?? '(unnamed)']) };
}

/** The configured source a job reads: its own for ad-hoc SQL, else its report's. */
export function sourceNameOf(config: ServiceConfig, job: Pick<JobRequest, 'report' | 'source'>): string | null {
  if (job.source !== null) return job.source;
  return job.report === null ? null : config.reports.get(job.report)?.source ?? null;
}

/** The id a client quotes to an operator: the request's trace id, else fastify's request id. */
export function traceIdOf(request: FastifyRequest): string {
  return request.sheetpipeTrace?.traceId ?? String(request.id);
}
