/** Redis names shared by the API and the workers, and the connection settings both use. */
import type { RedisOptions } from 'bullmq';
import { SheetpipeError, isSheetpipeError } from '../../errors.js';
import { redactedUrl, type RedisQueueConfig } from './queue-config.js';

/** The BullMQ queue; `prefix` separates deployments, so the name itself is fixed. */
export const QUEUE_NAME = 'exports';

export interface RedisNames {
  /** Pub/sub channel on which the API asks every worker to stop a job. */
  readonly cancelChannel: string;
  /** Set before the publish, so a worker that takes the job later (or missed the message) still sees it. */
  cancelKey(id: string): string;
  /** The record of a job cancelled while it waited (the BullMQ job itself is removed). */
  tombstoneKey(id: string): string;
  /** Export ids per owner and per report, for the per-token and per-report limits (usage-index.ts). */
  ownerSet(owner: string): string;
  reportSet(report: string): string;
}

export function redisNames(prefix: string): RedisNames {
  const base = `${prefix}:${QUEUE_NAME}:sheetpipe`;
  return {
    cancelChannel: `${base}:cancel`,
    cancelKey: (id) => `${base}:cancel:${id}`,
    tombstoneKey: (id) => `${base}:canceled:${id}`,
    ownerSet: (owner) => `${base}:owner:${owner}`,
    reportSet: (report) => `${base}:report:${report}`,
  };
}

/**
 * ioredis options. Reconnects back off to at most 2 s (ioredis' default grows to 20 s), so a
 * restarted Redis is picked up quickly. `failFast` connections (the API's) give up on a command
 * after 3 reconnect attempts, so a request during an outage gets a 503 instead of hanging.
 */
export function connectionOptions(config: RedisQueueConfig, failFast: boolean): RedisOptions & { url: string } {
  return {
    url: config.url,
    retryStrategy: (times: number) => Math.min(times * 250, 2000),
    maxRetriesPerRequest: failFast ? 3 : null,
    // rediss:// alone makes ioredis use TLS with the system CAs; a private CA replaces them (never unchecked).
    ...(config.tls === undefined ? {} : { tls: { ca: config.tls.ca, ...(config.tls.servername === undefined ? {} : { servername: config.tls.servername }) } }),
  };
}

/** Wraps a driver error (connection refused, closed, retries exhausted) in the catalogue's 503. */
export function redisError(config: RedisQueueConfig, error: unknown): SheetpipeError {
  if (isSheetpipeError(error)) return error;
  return new SheetpipeError('SHEETPIPE_ERR_DISTRIBUTED_REDIS', [redactedUrl(config.url), (error as Error)?.message ?? String(error)], { cause: error });
}
