/**
 * The `queue` key of the service config: which JobQueue runs background exports.
 *
 * ```json
 * "queue": { "type": "embedded" }                                   // default: in-process, SQLite records
 * "queue": { "type": "redis", "url": "redis://127.0.0.1:6379", "prefix": "sheetpipe",
 *            "lockDurationSeconds": 30, "attempts": 3 }             // BullMQ: one API, N `sheetpipe worker`s
 * "queue": { "type": "redis", "url": "rediss://sheetpipe:${REDIS_PASSWORD}@redis.internal:6380",
 *            "tls": { "caFile": "./redis-ca.pem" } }                // TLS with a private CA, an ACL user
 * ```
 * `rediss://` turns TLS on (ioredis: `tls: true`, server certificate checked against the system CAs);
 * `tls.caFile` replaces them with a private CA. A user name in the URL is sent as `AUTH user password`
 * (Redis 6 ACL users). Certificate checking cannot be turned off.
 * Errors are SHEETPIPE_ERR_SERVICE_CONFIG naming the bad key (`queue.lockDurationSeconds`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { childPath, configError, expandEnv, expectObject, optionalNumber, optionalString, rejectUnknownKeys } from '../config/fields.js';

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
  /** TLS settings for `rediss://` beyond the URL: a private CA (PEM text read from `tls.caFile`), the name to check. */
  readonly tls?: { readonly ca: string; readonly servername?: string };
}

export type QueueConfig = EmbeddedQueueConfig | RedisQueueConfig;

export const EMBEDDED_QUEUE: EmbeddedQueueConfig = { type: 'embedded' };

const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

/** `queue.tls`: only with rediss://; the CA file is read once, at start-up. */
function readTls(raw: unknown, protocol: string, baseDir: string): RedisQueueConfig['tls'] {
  if (raw === undefined) return undefined;
  const path = childPath('queue', 'tls');
  const object = expectObject(raw, path);
  rejectUnknownKeys(object, ['caFile', 'servername'], path);
  if (protocol !== 'rediss:') throw configError(path, 'needs a rediss:// URL (TLS)');
  const caFile = optionalString(object, 'caFile', path);
  const servername = optionalString(object, 'servername', path);
  if (caFile === undefined) throw configError(childPath(path, 'caFile'), 'is required');
  let ca: string;
  try {
    ca = readFileSync(resolve(baseDir, caFile), 'utf8');
  } catch (error) {
    throw configError(childPath(path, 'caFile'), `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return servername === undefined ? { ca } : { ca, servername };
}

function readRedis(object: Record<string, unknown>, env: NodeJS.ProcessEnv, baseDir: string): RedisQueueConfig {
  rejectUnknownKeys(object, ['type', 'url', 'prefix', 'lockDurationSeconds', 'attempts', 'tls'], 'queue');
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
  const tls = readTls(object.tls, parsed.protocol, baseDir);
  return { type: 'redis', url, prefix, lockDurationMs: Math.round(lockSeconds * 1000), attempts, ...(tls === undefined ? {} : { tls }) };
}

/** Reads the `queue` key (undefined: embedded); relative files (tls.caFile) resolve against `baseDir`. */
export function readQueueConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): QueueConfig {
  if (raw === undefined) return EMBEDDED_QUEUE;
  const object = expectObject(raw, 'queue');
  const type = optionalString(object, 'type', 'queue') ?? 'embedded';
  if (type === 'redis') return readRedis(object, env, baseDir);
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

/**
 * Why this Redis connection needs a private network, or undefined when it does not: plain `redis://`
 * to a host other than loopback sends job data and the password in clear, and without a password anyone
 * who reaches the port can rewrite jobs (docs/security.md).
 */
export function redisExposure(url: string): string | undefined {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const problems = [
    ...(parsed.protocol === 'redis:' ? ['without TLS (rediss://)'] : []),
    ...(parsed.password === '' ? ['without a password (AUTH)'] : []),
  ];
  if (problems.length === 0 || /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) return undefined;
  return `Redis at ${host} is used ${problems.join(' and ')}; this is safe only on a private network (docs/security.md)`;
}
