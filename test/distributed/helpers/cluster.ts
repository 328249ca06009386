/**
 * A distributed deployment for tests: one API (buildApp in this process, on loopback) and real
 * `sheetpipe worker` processes, sharing a temp folder as their storage and a unique Redis prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/service/app.js';
import { createJobQueue } from '../../../src/service/distributed/create-job-queue.js';
import { loadDistributedConfig, type DistributedConfig } from '../../../src/service/distributed/load-config.js';
import type { RedisJobQueue } from '../../../src/service/distributed/redis-queue.js';
import { stderrLogger } from '../../../src/service/distributed/stderr-logger.js';
import { PG_URL } from '../../service/helpers/data.js';
import { REDIS_URL, deletePrefix } from './redis.js';
import { TOKEN } from '../../service/helpers/server.js';

const WORKER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'worker-process.js');

/** Rows 1..:rows of (id, id * 1.5, 'note <id>'): streamed by PostgreSQL, no table needed. */
export const NUMBERS_SQL = "select g as id, g * 1.5::float8 as amount, 'note ' || g as note from generate_series(1, :rows) g";

export interface WorkerProcess {
  /** `host:pid`, as job records show it. */
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | string>;
}

export interface Cluster {
  readonly dir: string;
  readonly filesDir: string;
  readonly prefix: string;
  readonly configFile: string;
  readonly url: string;
  readonly app: FastifyInstance;
  readonly queue: RedisJobQueue;
  readonly workers: WorkerProcess[];
  startWorker(overrides?: Record<string, unknown>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

/** The test config: a `numbers` report (:rows), plus `extraReports`; queue overrides merge into `queue`. */
export function clusterConfig(prefix: string, extraReports: Record<string, unknown> = {}, queue: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sources: { pg: { url: PG_URL } },
    reports: {
      numbers: { source: 'pg', query: NUMBERS_SQL, params: { rows: { type: 'integer', default: 1000 } }, sheet: 'Numbers' },
      ...extraReports,
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    // Tests poll job status in tight loops; the per-token rate limit has its own tests (security.test.ts).
    limits: { concurrentExports: 1, queueLength: 1000, requestsPerSecond: 100_000 },
    storage: { dir: './exports' },
    server: { shutdownGraceSeconds: 5 },
    queue: { type: 'redis', url: REDIS_URL, prefix, lockDurationSeconds: 5, attempts: 2, ...queue },
  };
}

async function spawnWorker(configFile: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER_ENTRY, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SHEETPIPE_LOG_LEVEL: 'warn' },
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const name = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start: ${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /sheetpipe worker (\S+) ready/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code}) before it was ready: ${output}`));
    });
  });
  return { name, child, output: () => output, exited };
}

/** Stops a worker process: SIGTERM, then SIGKILL after `ms`. */
export async function stopWorker(worker: WorkerProcess, ms = 15_000): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), ms);
  await worker.exited;
  clearTimeout(timer);
}

export interface ClusterOptions {
  readonly workers: number;
  readonly reports?: Record<string, unknown>;
  /** Merged into the `queue` key. */
  readonly queue?: Record<string, unknown>;
  /** Top-level keys that replace the test config's (e.g. `limits`, `storage`). */
  readonly overrides?: Record<string, unknown>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-dist-'));
  const prefix = `sp-test-${randomBytes(4).toString('hex')}`;
  const raw = { ...clusterConfig(prefix, options.reports, options.queue), ...options.overrides };
  const configFile = join(dir, 'sheetpipe.json');
  await writeFile(configFile, JSON.stringify(raw, null, 2));
  const config: DistributedConfig = await loadDistributedConfig(configFile);
  const factory = await createJobQueue(config);
  if (!factory) throw new Error('the test config must select the redis queue');
  let queue: RedisJobQueue | undefined;
  const app = await buildApp(config, { createQueue: (parts) => (queue = factory({ ...parts, log: stderrLogger('warn') }) as RedisJobQueue) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const workers: WorkerProcess[] = [];
  const startWorker = async (overrides: Record<string, unknown> = {}): Promise<WorkerProcess> => {
    let file = configFile;
    if (Object.keys(overrides).length > 0) {
      file = join(dir, `worker-${workers.length}.json`);
      await writeFile(file, JSON.stringify({ ...raw, ...overrides }, null, 2));
    }
    const worker = await spawnWorker(file);
    workers.push(worker);
    return worker;
  };
  const cluster: Cluster = {
    dir, filesDir: join(dir, 'exports', 'files'), prefix, configFile, url, app, queue: queue as RedisJobQueue, workers, startWorker,
    async close() {
      await Promise.all(workers.map((worker) => stopWorker(worker)));
      await app.close();
      await deletePrefix(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < options.workers; i++) await startWorker();
  } catch (error) {
    // A half-started cluster must not keep the test process alive.
    await cluster.close();
    throw error;
  }
  return cluster;
}

/** Names in the storage folder that are temp files (`.<key>.<writer>.tmp`). */
export async function tempFiles(filesDir: string): Promise<string[]> {
  return (await readdir(filesDir).catch(() => [] as string[])).filter((name) => name.endsWith('.tmp'));
}
