/**
 * The embedded service never loads BullMQ or ioredis: they load only for a `redis` queue (lazy imports in
 * distributed/create-job-queue.ts and serve-command.ts). Checked in a fresh child process, which imports the
 * `serve` command's module and starts the service, then lists the CommonJS modules it loaded: ioredis is
 * CommonJS, so it shows there whenever BullMQ or the Redis queue was imported. The same run with a redis queue
 * shows it, so the check can see what it looks for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REDIS_URL } from '../distributed/helpers/redis.js';
import { TOKEN, makeTempDir, removeDir, writeConfig } from './helpers/server.js';

const run = promisify(execFile);

const CHILD = `
import { createRequire } from 'node:module';
const [serveUrl, appUrl, loadUrl, file] = process.argv.slice(1);
await import(serveUrl);
const { buildApp } = await import(appUrl);
const { loadConfig } = await import(loadUrl);
const app = await buildApp(await loadConfig(file));
await app.listen({ port: 0, host: '127.0.0.1' });
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /node_modules[\\\\/](bullmq|ioredis)[\\\\/]/.test(path));
await app.close();
process.stdout.write(JSON.stringify(loaded));
`;

async function redisModulesLoaded(queue: Record<string, unknown> | undefined): Promise<string[]> {
  const dir = await makeTempDir('sheetpipe-lazy-');
  try {
    const file = await writeConfig(dir, {
      sources: { demo: { url: 'sqlite::memory:' } },
      reports: { one: { source: 'demo', query: 'select 1 as one' } },
      tokens: [{ token: TOKEN, reports: ['*'] }],
      storage: { dir: './data' },
      ...(queue === undefined ? {} : { queue }),
    });
    const url = (path: string): string => new URL(path, import.meta.url).href;
    const { stdout } = await run(process.execPath, [
      '--input-type=module', '-e', CHILD,
      url('../../src/service/serve-command.js'), url('../../src/service/app.js'), url('../../src/service/config/load.js'), file,
    ], { timeout: 60_000 });
    return JSON.parse(stdout) as string[];
  } finally {
    await removeDir(dir);
  }
}

test('starting the embedded service loads neither BullMQ nor ioredis; a redis queue does', { timeout: 120_000 }, async () => {
  assert.deepEqual(await redisModulesLoaded(undefined), [], 'embedded');
  const redis = await redisModulesLoaded({ type: 'redis', url: REDIS_URL, prefix: `exec-lazy-${process.pid}` });
  assert.ok(redis.some((path) => /ioredis/.test(path)), `redis mode loads ioredis: ${redis.length} modules`);
});
