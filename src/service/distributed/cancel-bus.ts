/**
 * Cancellation across machines. BullMQ can abort a job only on the worker holding it, so the
 * API sets a cancel key and publishes the job id; every worker listens, and the one running
 * the job aborts it. The key covers what a message cannot: a worker that takes the job after
 * the publish checks it before starting, and a worker whose subscription dropped (Redis
 * restart) re-checks its running jobs when it reconnects.
 */
import { Redis } from 'ioredis';
import type { RedisQueueConfig } from './queue-config.js';
import { connectionOptions, redisNames, type RedisNames } from './redis-names.js';

export class CancelBus {
  readonly #config: RedisQueueConfig;
  readonly #names: RedisNames;
  readonly #commands: Redis;
  #subscriber: Redis | undefined;

  /** `commands` is a connection the caller owns (closed by it). */
  constructor(config: RedisQueueConfig, commands: Redis) {
    this.#config = config;
    this.#names = redisNames(config.prefix);
    this.#commands = commands;
  }

  /** Asks every worker to stop `id`; the request stays for `ttlMs`. */
  async request(id: string, ttlMs: number): Promise<void> {
    await this.#commands.set(this.#names.cancelKey(id), '1', 'PX', Math.max(1, Math.round(ttlMs)));
    await this.#commands.publish(this.#names.cancelChannel, id);
  }

  async isRequested(id: string): Promise<boolean> {
    return (await this.#commands.exists(this.#names.cancelKey(id))) === 1;
  }

  async clear(id: string): Promise<void> {
    await this.#commands.del(this.#names.cancelKey(id));
  }

  /**
   * Calls `onCancel(id)` for every request published from now on, and, after each (re)connect,
   * for the ids of `running()` whose cancel key is set. Resolves once subscribed.
   */
  async listen(running: () => readonly string[], onCancel: (id: string) => void, onError: (error: Error) => void): Promise<void> {
    const subscriber = new Redis(this.#config.url, connectionOptions(this.#config, false));
    this.#subscriber = subscriber;
    subscriber.on('error', onError);
    subscriber.on('message', (_channel: string, id: string) => onCancel(id));
    subscriber.on('ready', () => {
      const ids = running();
      if (ids.length === 0) return;
      this.#commands.mget(ids.map((id) => this.#names.cancelKey(id))).then(
        (flags) => flags.forEach((flag, index) => flag !== null && onCancel(ids[index] as string)),
        onError,
      );
    });
    await subscriber.subscribe(this.#names.cancelChannel);
  }

  async close(): Promise<void> {
    await this.#subscriber?.quit().catch(() => this.#subscriber?.disconnect());
  }
}
