/**
 * What each token and each report keeps in distributed mode, for limits.jobsPerToken, jobsPerReport and
 * storageMbPerReport (http/quota.ts). BullMQ cannot count jobs by a field of their data, so the API keeps
 * one sorted set of export ids per owner and per report (score: accepted at). Entries whose job and
 * tombstone are gone (removed, expired, or dropped by another API instance) are pruned when counted,
 * so the sets never drift upwards; each count is one pipelined round trip per set.
 */
import type { Redis } from 'ioredis';
import type { QueueUsage } from '../jobs/job-queue.js';

export interface UsageKeys {
  /** The BullMQ hash of a job. */
  jobKey(id: string): string;
  tombstoneKey(id: string): string;
  ownerSet(owner: string): string;
  reportSet(report: string): string;
}

/** A completed job's file size from its return value; anything unreadable (a tampered hash) counts 0. */
function bytesOf(returnValue: unknown): number {
  if (typeof returnValue !== 'string') return 0;
  try {
    const bytes = (JSON.parse(returnValue) as { bytes?: unknown } | null)?.bytes;
    return typeof bytes === 'number' && Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
  } catch {
    return 0;
  }
}

export class UsageIndex {
  readonly #redis: Redis;
  readonly #keys: UsageKeys;

  constructor(redis: Redis, keys: UsageKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async add(id: string, owner: string | null, report: string | null, at: number): Promise<void> {
    const multi = this.#redis.multi();
    if (owner !== null) multi.zadd(this.#keys.ownerSet(owner), at, id);
    if (report !== null) multi.zadd(this.#keys.reportSet(report), at, id);
    await multi.exec();
  }

  async remove(id: string, owner: string | null, report: string | null): Promise<void> {
    const multi = this.#redis.multi();
    if (owner !== null) multi.zrem(this.#keys.ownerSet(owner), id);
    if (report !== null) multi.zrem(this.#keys.reportSet(report), id);
    await multi.exec();
  }

  async usage(owner: string | null, report: string | null): Promise<QueueUsage> {
    const ownerJobs = owner === null ? [] : await this.#live(this.#keys.ownerSet(owner));
    const reportJobs = report === null ? [] : await this.#live(this.#keys.reportSet(report));
    let reportBytes = 0;
    if (reportJobs.length > 0) {
      const pipeline = this.#redis.pipeline();
      for (const id of reportJobs) pipeline.hget(this.#keys.jobKey(id), 'returnvalue');
      for (const [, value] of (await pipeline.exec()) ?? []) reportBytes += bytesOf(value);
    }
    return { ownerJobs: ownerJobs.length, reportJobs: reportJobs.length, reportBytes };
  }

  /** The ids in `set` whose job or tombstone still exists; the others are removed from it. */
  async #live(set: string): Promise<string[]> {
    const ids = await this.#redis.zrange(set, '0', '-1');
    if (ids.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.exists(this.#keys.jobKey(id), this.#keys.tombstoneKey(id));
    const results = (await pipeline.exec()) ?? [];
    const gone = ids.filter((_, i) => results[i]?.[1] === 0);
    if (gone.length > 0) await this.#redis.zrem(set, ...gone);
    return ids.filter((_, i) => results[i]?.[1] !== 0);
  }
}
