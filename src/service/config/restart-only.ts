/**
 * What a reload cannot change: settings that sized or opened something at start (the listening
 * socket, the job store and its folder, the queue's Redis connection, the export slots, the
 * admission watermarks, fastify's body limit, the latency log). A reload whose file changes any of
 * them is rejected whole, naming each one, rather than half applied: an operator who edited the port
 * and a report together would otherwise believe both took effect.
 */
import type { ServiceConfig } from './types.js';

/** Each restart-only setting, by the key path an operator edits, and how to read it from a snapshot. */
const RESTART_ONLY: ReadonlyArray<readonly [string, (config: ServiceConfig) => unknown]> = [
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  ['storage.dir', (c) => c.storage.dir],
  ['storage.retentionHours', (c) => c.storage.retentionHours],
  ['storage.s3', (c) => c.storage.s3],
  ['queue', (c) => c.queue],
  ['limits.concurrentExports', (c) => c.limits.concurrentExports],
  ['limits.queueLength', (c) => c.limits.queueLength],
  ['limits.memoryLimitMb', (c) => c.limits.memoryLimitMb],
  ['limits.retryAfterSeconds', (c) => c.limits.retryAfterSeconds],
  ['limits.bodyBytes', (c) => c.limits.bodyBytes],
  ['admission', (c) => c.admission],
  ['observability.enabled', (c) => c.observability.enabled],
  ['observability.latencyLog', (c) => c.observability.latencyLog],
];

export const RESTART_ONLY_KEYS: readonly string[] = RESTART_ONLY.map(([key]) => key);

/** The restart-only keys whose value differs between the two snapshots (none: the reload may apply). */
export function restartOnlyChanges(running: ServiceConfig, next: ServiceConfig): string[] {
  // Plain data (strings, numbers, small objects): comparing the JSON is exact. The queue's URL may hold a
  // password, which is why only the key is ever reported, never the values.
  return RESTART_ONLY.filter(([, read]) => JSON.stringify(read(running)) !== JSON.stringify(read(next))).map(([key]) => key);
}

/** Top-level sections that differ, for the log line of an applied reload (names only: tokens are secrets). */
export function changedSections(running: ServiceConfig, next: ServiceConfig): string[] {
  const plain = (value: unknown): string => JSON.stringify(value, (_key, item: unknown) =>
    item instanceof Map ? [...item.entries()] : item instanceof Set ? [...item] : item);
  const keys = new Set([...Object.keys(running), ...Object.keys(next)]);
  return [...keys].filter((key) => key !== 'file' && plain(running[key as keyof ServiceConfig]) !== plain(next[key as keyof ServiceConfig]));
}
