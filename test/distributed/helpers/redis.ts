/** The real Redis of this machine: key clean-up, job fields, and the restart the CI machines use. */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

const run = promisify(execFile);

/** Deletes every Redis key under `prefix` (bounded SCAN). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    for (let round = 0; round < 10_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

/** How often BullMQ ran job `id` to a failure (its `atm` field). */
export async function attemptsMade(prefix: string, id: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    return Number(await redis.hget(`${prefix}:exports:${id}`, 'atm'));
  } finally {
    redis.disconnect();
  }
}

/**
 * `redis-cli shutdown nosave`, then the same command the machine starts Redis with; waits for PONG.
 * Asynchronous: the API under test runs in this process, and a blocked loop would trip its admission control.
 */
export async function restartRedis(): Promise<void> {
  const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', ...args], { timeout: 5_000 });
  await cli('shutdown', 'nosave').catch(() => undefined); // it exits non-zero when the server closes the connection
  await run('redis-server', [
    '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no',
    '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log',
  ], { timeout: 10_000 });
  const deadline = Date.now() + 20_000;
  while ((await cli('ping').then(({ stdout }) => stdout.trim(), () => '')) !== 'PONG') {
    if (Date.now() > deadline) throw new Error('Redis did not come back');
    await sleep(200);
  }
}
