/**
 * Distributed-mode scaling: the same batch of exports (default 20 × 200,000 rows from
 * PostgreSQL) through 1 `sheetpipe worker` process, then through 2, on one Redis; jobs per
 * minute for each and the ratio to one worker. Writes bench/RESULTS-distributed.md.
 *
 *   npm run build && node dist/bench/distributed.js
 *   BENCH_DIST_ROUNDS=3 node dist/bench/distributed.js                               # medians of 3 rounds
 *   BENCH_DIST_WORKERS=1,2,4,8 BENCH_DIST_JOBS=80 node dist/bench/distributed.js   # a bigger machine
 *
 * The timer runs from the first enqueue to the last completion; the workers are started and
 * ready before it starts. Jobs are enqueued through RedisJobQueue, as the API does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { loadDistributedConfig } from '../src/service/distributed/load-config.js';
import { RedisJobQueue } from '../src/service/distributed/redis-queue.js';
import { requireRedis } from '../src/service/distributed/queue-worker.js';
import { defaultStorage } from '../src/service/storage/shared-storage.js';
import { workerCommand } from '../src/service/distributed/worker-command.js';
import { stderrLogger } from '../src/service/distributed/stderr-logger.js';
import type { JobRecord } from '../src/service/jobs/types.js';
import { describeMachine } from './report.js';

const RESULTS = fileURLToPath(new URL('../../bench/RESULTS-distributed.md', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

function envList(name: string, fallback: string): number[] {
  return (process.env[name] || fallback).split(',').map((item) => {
    const n = Number(item.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must list positive integers, got ${process.env[name]}`);
    return n;
  });
}

const settings = {
  jobs: envInt('BENCH_DIST_JOBS', 20),
  rows: envInt('BENCH_DIST_ROWS', 200_000),
  workers: envList('BENCH_DIST_WORKERS', '1,2'),
  concurrency: envInt('BENCH_DIST_CONCURRENCY', 1),
  /** Rounds alternate the worker counts (1, 2, 1, 2 …); the table shows each count's median. */
  rounds: envInt('BENCH_DIST_ROUNDS', 1),
  threads: envInt('BENCH_DIST_THREADS', 1),
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  timeoutMs: envInt('BENCH_DIST_TIMEOUT_S', 1800) * 1000,
};

const log = (message: string): void => void process.stderr.write(`${message}\n`);

interface Measurement {
  readonly workers: number;
  readonly wallMs: number;
  readonly jobsPerMinute: number;
  readonly perWorker: Map<string, number>;
}

function configFor(prefix: string): Record<string, unknown> {
  return {
    sources: { pg: { url: settings.postgres } },
    reports: {
      numbers: {
        source: 'pg',
        query: "select g as id, g * 1.5::float8 as amount, 'note ' || g as note, now() as at from generate_series(1, :rows) g",
        params: { rows: { type: 'integer' } },
        threads: settings.threads,
      },
    },
    limits: { concurrentExports: settings.concurrency, queueLength: settings.jobs },
    storage: { dir: './exports' },
    queue: { type: 'redis', url: settings.redis, prefix },
  };
}

async function startWorker(configFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SELF, '--worker', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SHEETPIPE_LOG_LEVEL: process.env.SHEETPIPE_LOG_LEVEL ?? 'warn' },
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(' ready ')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`a worker exited (${code}) before it was ready: ${output}`)));
  });
  return child;
}

async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(settings.redis);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** One measurement: `workers` processes drain `settings.jobs` exports. */
async function measure(workers: number): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-bench-dist-'));
  const prefix = `sp-bench-${randomBytes(4).toString('hex')}`;
  const configFile = join(dir, 'sheetpipe.json');
  await writeFile(configFile, JSON.stringify(configFor(prefix)));
  const config = await loadDistributedConfig(configFile);
  const queue = new RedisJobQueue({
    config: requireRedis(config.queue), storage: defaultStorage(config), queueLength: settings.jobs,
    retentionMs: 3_600_000, log: stderrLogger('warn'),
  });
  const children: ChildProcess[] = [];
  try {
    await queue.start();
    for (let i = 0; i < workers; i++) children.push(await startWorker(configFile));
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < settings.jobs; i++) {
      const job = await queue.enqueue({ report: 'numbers', source: null, query: null, params: { rows: settings.rows }, format: 'xlsx', filename: null, origin: 'api', owner: null, trace: null });
      ids.push(job.id);
    }
    const records = await Promise.all(ids.map((id) => finished(queue, id, started)));
    const wallMs = performance.now() - started;
    const failed = records.filter((record) => record.status !== 'succeeded' || record.rows !== settings.rows);
    if (failed.length > 0) throw new Error(`${failed.length} exports did not succeed: ${JSON.stringify(failed[0])}`);
    const perWorker = new Map<string, number>();
    for (const record of records) {
      const name = (record as JobRecord & { worker?: string }).worker ?? '?';
      perWorker.set(name, (perWorker.get(name) ?? 0) + 1);
    }
    return { workers, wallMs, jobsPerMinute: (settings.jobs * 60_000) / wallMs, perWorker };
  } finally {
    await Promise.all(children.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM')))));
    await queue.close();
    await deletePrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves with the job's final record (polled: a bench of minutes does not need events). */
async function finished(queue: RedisJobQueue, id: string, started: number): Promise<JobRecord> {
  for (;;) {
    const record = await queue.get(id);
    if (record && ['succeeded', 'failed', 'canceled'].includes(record.status)) return record;
    if (performance.now() - started > settings.timeoutMs) throw new Error(`export ${id} did not finish within ${settings.timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function report(results: readonly Measurement[]): string {
  const machine = describeMachine();
  const base = results.find((result) => result.workers === 1) ?? results[0];
  const lines = [
    '# Distributed mode: scaling over worker processes',
    '',
    `${settings.jobs} exports of ${settings.rows.toLocaleString('en-US')} rows (4 columns, PostgreSQL \`generate_series\`) to .xlsx,`,
    `each worker process running ${settings.concurrency} export(s) at a time with ${settings.threads} engine thread(s) each,`,
    'one Redis, one shared storage folder. Timed from the first enqueue to the last completion;',
    `median of ${settings.rounds} round(s), the worker counts alternating.`,
    '',
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB.toFixed(0)} GiB, Node ${machine.node},`,
    `load average ${machine.loadAverage.toFixed(2)} at the end; ${new Date().toISOString()}. Command: \`node dist/bench/distributed.js\`.`,
    '',
    '| worker processes | wall time (s) | jobs/min | ratio to 1 worker | jobs per worker |',
    '|---:|---:|---:|---:|---|',
    ...results.map((result) => {
      const ratio = base ? result.jobsPerMinute / base.jobsPerMinute : 1;
      return `| ${result.workers} | ${(result.wallMs / 1000).toFixed(1)} | ${result.jobsPerMinute.toFixed(1)} | ${ratio.toFixed(2)}× | ${[...result.perWorker.values()].join(' / ')} |`;
    }),
    '',
    'PostgreSQL, Redis and the workers share the same cores here; on a machine with more cores (or',
    'workers on several hosts) run `BENCH_DIST_WORKERS=1,2,4,8 node dist/bench/distributed.js` (see docs/distributed.md).',
    '',
  ];
  return lines.join('\n');
}

/** The median round (the machine is shared: one slow round must not decide); an even count averages the middle two. */
function median(runs: readonly Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const low = sorted[Math.floor((sorted.length - 1) / 2)] as Measurement;
  const high = sorted[Math.ceil((sorted.length - 1) / 2)] as Measurement;
  const wallMs = (low.wallMs + high.wallMs) / 2;
  return { ...low, wallMs, jobsPerMinute: (settings.jobs * 60_000) / wallMs };
}

async function main(): Promise<void> {
  const runs = new Map<number, Measurement[]>(settings.workers.map((workers) => [workers, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const workers of settings.workers) {
      log(`distributed bench, round ${round}/${settings.rounds}: ${settings.jobs} × ${settings.rows} rows through ${workers} worker process(es)…`);
      const result = await measure(workers);
      log(`  ${(result.wallMs / 1000).toFixed(1)} s, ${result.jobsPerMinute.toFixed(1)} jobs/min`);
      runs.get(workers)?.push(result);
    }
  }
  const markdown = report([...runs.values()].map(median));
  writeFileSync(RESULTS, markdown);
  process.stdout.write(markdown);
}

if (process.argv[2] === '--worker') {
  // This same file is the worker process the bench spawns: `--worker --config <FILE>`.
  process.exitCode = await workerCommand(process.argv.slice(3));
} else {
  await main();
}
