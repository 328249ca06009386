/**
 * The `queue` key of the service config: which JobQueue runs background exports.
 *
 * ```json
 * "queue": { "type": "embedded" }                                   // default: in-process, SQLite records
 * "queue": { "type": "redis", "url": "redis://127.0.0.1:6379", "prefix": "sheetpipe",
 *            "lockDurationSeconds": 30, "attempts": 3 }             // BullMQ: one API, N `sheetpipe worker`s
 * ```
 * Errors are SHEETPIPE_ERR_SERVICE_CONFIG naming the bad key (`queue.lockDurationSeconds`).
 */
import { childPath, configError, expectObject, optionalNumber, optionalString, rejectUnknownKeys } from '../config/fields.js';
import { expandEnv } from '../config/sources-reports.js';

export interface EmbeddedQueueConfig {
  readonly type: 'embedded';
}

export interface RedisQueueConfig {
  readonly type: 'redis';
  /** `redis://` or `rediss://` URL with `${ENV}` expanded (it may carry a password: never shown to clients). */
  readonly url: string;
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  readonly prefix: string;
  /** A worker that stops renewing its lock this long is presumed dead; its job goes to another worker. */
  readonly lockDurationMs: number;
  /** Runs of a job (its first included) before it is marked failed with its error; also bounds stalled re-runs. */
  readonly attempts: number;
}

export type QueueConfig = EmbeddedQueueConfig | RedisQueueConfig;

export const EMBEDDED_QUEUE: EmbeddedQueueConfig = { type: 'embedded' };

const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

function readRedis(object: Record<string, unknown>, env: NodeJS.ProcessEnv): RedisQueueConfig {
  rejectUnknownKeys(object, ['type', 'url', 'prefix', 'lockDurationSeconds', 'attempts'], 'queue');
  const urlPath = childPath('queue', 'url');
  const url = expandEnv(optionalString(object, 'url', 'queue') ?? 'redis://127.0.0.1:6379', env, urlPath);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(urlPath, 'expected a redis:// or rediss:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw configError(urlPath, 'expected a redis:// or rediss:// URL');
  const prefix = optionalString(object, 'prefix', 'queue') ?? 'sheetpipe';
  if (!PREFIX.test(prefix)) throw configError(childPath('queue', 'prefix'), 'expected 1 to 64 letters, digits, _ . : or -');
  // BullMQ renews a lock every half lock duration: below a second a busy event loop would lose it.
  const lockSeconds = optionalNumber(object, 'lockDurationSeconds', 'queue', { min: 1, max: 3600 }) ?? 30;
  const attempts = optionalNumber(object, 'attempts', 'queue', { integer: true, min: 1, max: 100 }) ?? 3;
  return { type: 'redis', url, prefix, lockDurationMs: Math.round(lockSeconds * 1000), attempts };
}

/** Reads the `queue` key (undefined: embedded). */
export function readQueueConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): QueueConfig {
  if (raw === undefined) return EMBEDDED_QUEUE;
  const object = expectObject(raw, 'queue');
  const type = optionalString(object, 'type', 'queue') ?? 'embedded';
  if (type === 'redis') return readRedis(object, env);
  if (type !== 'embedded') throw configError(childPath('queue', 'type'), `expected "embedded" or "redis", got ${JSON.stringify(type)}`);
  rejectUnknownKeys(object, ['type'], 'queue');
  return EMBEDDED_QUEUE;
}

/** The URL without its password, for logs and error messages. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
