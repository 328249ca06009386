/**
 * `limits.requestsPerSecond` per token: a token bucket per token id that holds one second's worth of
 * requests and refills continuously, so a client polling steadily is never refused and a burst of
 * more than a second's allowance is. Memory is one small entry per configured token (ids come from
 * the config, never from the request), so the map cannot be grown by an attacker.
 */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  /** True when `key` may make one more request now (and counts it). */
  take(key: string, now = performance.now()): boolean {
    // A limit below 1/s still lets one request through now and then.
    const capacity = Math.max(1, this.#perSecond);
    const bucket = this.#buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
