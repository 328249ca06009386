/**
 * `npm run bench:console`: does an open console slow the API down? The service's small requests
 * (GET /v1/exports/:id at a constant open-loop rate) with and without open console pages, idle and while
 * exports run back to back. An open page here does what the browser's does (console/src/pages): loads `/` and
 * its assets, polls `GET /v1/ops` every 2 s (the Operations page), and follows the running export's events
 * over a fetch-streamed SSE (the job page). With and without alternate in each round (with first in odd rounds)
 * so the shared machine's drift hits both alike; results are medians, ratios are medians of paired rounds,
 * and a P999 difference is judged against the round-to-round spread of the runs without console.
 * Writes bench/RESULTS-console.md.
 *
 * Env: SHEETPIPE_BENCH_RATE (requests/s, default 2000), SHEETPIPE_BENCH_ROUNDS (default 5),
 * SHEETPIPE_BENCH_ROUND_SECONDS (s per phase, default 5), SHEETPIPE_BENCH_ROUND_WARMUP (default 1),
 * SHEETPIPE_BENCH_CONNECTIONS (default 16), SHEETPIPE_BENCH_CONSOLES (open pages, default 3),
 * SHEETPIPE_BENCH_ROWS (rows of the export, default 300000), SHEETPIPE_BENCH_PG.
 * The default run takes about 2 minutes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { LoadResult } from './service/load-generator.js';
import { machineLines, sampleMachine } from './service/machine.js';
import { median } from './service/overhead.js';
import { HERE, cpuMs, runLoad, startServer, type Server } from './service/processes.js';

const env = process.env;
const RATE = Number(env.SHEETPIPE_BENCH_RATE ?? 2000);
const ROUNDS = Number(env.SHEETPIPE_BENCH_ROUNDS ?? 5);
const SECONDS = Number(env.SHEETPIPE_BENCH_ROUND_SECONDS ?? 5);
const WARMUP = Number(env.SHEETPIPE_BENCH_ROUND_WARMUP ?? 1);
const CONNECTIONS = Number(env.SHEETPIPE_BENCH_CONNECTIONS ?? 16);
const CONSOLES = Number(env.SHEETPIPE_BENCH_CONSOLES ?? 3);
const ROWS = Number(env.SHEETPIPE_BENCH_ROWS ?? 300_000);
const PG_URL = env.SHEETPIPE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const POLL_MS = 2000;
const TOKEN = randomBytes(16).toString('hex');
const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const REPO = resolve(HERE, '../../..');

interface Job {
  readonly id: string;
  readonly status: string;
}

async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: HEADERS });
  if (response.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const startJob = (url: string, report: string): Promise<Job> => api<Job>(`${url}/v1/exports`, { method: 'POST', body: JSON.stringify({ report }) });

/** Follows a job's events until it ends (or the signal aborts): what the job page's fetch-streamed SSE does. */
async function follow(url: string, id: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(`${url}/v1/exports/${id}/events`, { headers: HEADERS, signal });
  const reader = response.body?.getReader();
  while (reader && !(await reader.read()).done);
}

/** `pages` open console pages until `signal` aborts: page load, /v1/ops every 2 s, and the running export's events. */
async function openConsoles(url: string, pages: number, running: () => string | undefined, signal: AbortSignal): Promise<void> {
  const page = async (): Promise<void> => {
    const html = await (await fetch(`${url}/`, { signal })).text();
    for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) await (await fetch(`${url}${match[1]}`, { signal })).arrayBuffer();
    let followed: string | undefined;
    while (!signal.aborted) {
      const id = running();
      if (id !== undefined && id !== followed) {
        followed = id;
        follow(url, id, signal).catch(() => undefined);
      }
      await (await fetch(`${url}/v1/ops`, { headers: HEADERS, signal })).arrayBuffer();
      await new Promise((wake) => setTimeout(wake, POLL_MS));
    }
  };
  await Promise.all(Array.from({ length: pages }, () => page().catch((error: unknown) => {
    if (!signal.aborted) throw error;
  })));
}

/** Exports run back to back until `signal` aborts; `current()` names the running one. */
function exportsBackToBack(url: string, signal: AbortSignal): { current: () => string | undefined; done: Promise<void> } {
  let current: string | undefined;
  const done = (async () => {
    while (!signal.aborted) {
      const job = await startJob(url, 'big');
      current = job.id;
      for (;;) {
        const now = await api<Job>(`${url}/v1/exports/${job.id}`);
        if (now.status !== 'queued' && now.status !== 'running') break;
        await new Promise((wake) => setTimeout(wake, 100));
      }
    }
  })();
  return { current: () => current, done };
}

type Phase = 'idle' | 'export';
/** A load phase's latencies, and the service's CPU (all threads) per small request over it, µs (NaN without /proc). */
type Measured = LoadResult & { readonly cpuUs: number };
interface Pair {
  readonly without: Measured;
  readonly with: Measured;
}
type Round = Record<Phase, Pair> & { readonly first: 'with' | 'without' };

async function phase(service: Server, target: string, kind: Phase, consoles: boolean): Promise<Measured> {
  const { url, pid } = service;
  const stop = new AbortController();
  const work = kind === 'export' ? exportsBackToBack(url, stop.signal) : undefined;
  const pages = consoles ? openConsoles(url, CONSOLES, () => work?.current(), stop.signal) : Promise.resolve();
  try {
    const before = cpuMs(pid);
    const result = await runLoad({ url: target, token: TOKEN, rate: RATE, durationSeconds: SECONDS, warmupSeconds: WARMUP, connections: CONNECTIONS });
    const after = cpuMs(pid);
    return { ...result, cpuUs: before === undefined || after === undefined ? Number.NaN : ((after - before) * 1000) / result.total };
  } finally {
    stop.abort();
    await pages;
    await work?.done;
  }
}

const fmt = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function section(rounds: readonly Round[], kind: Phase): string[] {
  const values = (side: keyof Pair, get: (r: Measured) => number): number[] => rounds.map((round) => get(round[kind][side]));
  const ratio = (get: (r: Measured) => number): number => median(rounds.map((round) => get(round[kind].with) / get(round[kind].without)));
  const p999 = (r: LoadResult): number => r.p999Ms;
  const without = values('without', p999);
  const noise = Math.max(...without) - Math.min(...without);
  const added = median(rounds.map((round) => round[kind].with.p999Ms - round[kind].without.p999Ms));
  const rows: [string, (r: Measured) => number][] = [
    ['P50 ms', (r) => r.p50Ms], ['P99 ms', (r) => r.p99Ms], ['P999 ms', p999], ['achieved requests/s', (r) => r.requestsPerSecond],
    // Exports included in the export phase: there it is the whole service's CPU over the phase, per small request.
    [`service CPU per request, µs${kind === 'export' ? ' (exports included)' : ''}`, (r) => r.cpuUs],
  ];
  return [
    `### ${kind === 'idle' ? 'Idle service' : 'While exports run back to back'}`,
    '',
    '| measure | without console | with console | ratio with/without |',
    '| --- | --- | --- | --- |',
    ...rows.map(([name, get]) => `| ${name} | ${fmt(median(values('without', get)))} | ${fmt(median(values('with', get)))} | ${fmt(ratio(get), 2)} |`),
    '',
    `- P999 with console minus without (median of paired rounds): ${added >= 0 ? '+' : ''}${fmt(added)} ms; the P999 without console spread over ${fmt(noise)} ms between rounds: ${Math.abs(added) <= noise ? 'within noise' : 'outside the noise'}`,
    `- per round, P999 without / with (ms): ${rounds.map((round) => `${fmt(round[kind].without.p999Ms)} / ${fmt(round[kind].with.p999Ms)}`).join(', ')}`,
    '',
  ];
}

async function main(): Promise<void> {
  const machine = sampleMachine();
  const table = `bench_console_${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-bench-console-'));
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  let service: Server | undefined;
  try {
    await client.query(`create table ${table} as select g as id, g * 1.5 as amount, 'note ' || g as note from generate_series(1, ${ROWS}) g`);
    await writeFile(join(dir, 'sheetpipe.json'), JSON.stringify({
      sources: { pg: { url: PG_URL } },
      reports: { big: { source: 'pg', query: `select * from ${table} order by id` }, small: { source: 'pg', query: `select * from ${table} where id <= 10` } },
      tokens: [{ token: TOKEN, reports: ['*'] }],
      // Thousands of status reads per second from one token: its rate limit (docs/security.md) is lifted here.
      limits: { concurrentExports: 2, requestsPerSecond: 1_000_000 },
      storage: { dir: './exports' },
    }));
    service = await startServer('serve.js', ['--config', join(dir, 'sheetpipe.json'), '--port', '0'], { SHEETPIPE_LOG_LEVEL: 'warn' });
    const url = service.url;
    const small = await startJob(url, 'small');
    while ((await api<Job>(`${url}/v1/exports/${small.id}`)).status !== 'succeeded') await new Promise((wake) => setTimeout(wake, 50));
    const target = `${url}/v1/exports/${small.id}`;
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const first = i % 2 === 0 ? 'with' : 'without';
      console.log(`round ${i + 1}/${ROUNDS} (${first} console first)`);
      const pair = async (kind: Phase): Promise<Pair> => {
        const a = await phase(service as Server, target, kind, first === 'with');
        const b = await phase(service as Server, target, kind, first !== 'with');
        return first === 'with' ? { with: a, without: b } : { with: b, without: a };
      };
      rounds.push({ first, idle: await pair('idle'), export: await pair('export') });
    }
    // What one uncached snapshot costs (distinct windows bypass the route's once-a-second cache), after all rounds
    // filled the latency ring: the most an open Operations page can take from the event loop, once a second.
    const snapshotMs: number[] = [];
    for (let i = 0; i < 21; i++) {
      const started = performance.now();
      await api(`${url}/v1/ops?windowSeconds=${200 + i}`);
      snapshotMs.push(performance.now() - started);
    }
    const text = [
      '# Console benchmark: the API\'s latency with and without open console pages',
      '',
      `Generated by \`npm run bench:console\` (bench/console.ts) on ${new Date().toISOString().slice(0, 10)}. ${ROUNDS} alternating rounds; per phase ${SECONDS} s of`,
      `\`GET /v1/exports/:id\` at ${RATE} requests/s over ${CONNECTIONS} connections after ${WARMUP} s unrecorded warm-up. "With console": ${CONSOLES} open`,
      `pages, each loading the console, polling \`GET /v1/ops\` every 2 s and following the running export's events (fetch-streamed SSE).`,
      `Exports: ${ROWS.toLocaleString('en-US')} rows from PostgreSQL, back to back.`,
      '',
      `One uncached \`GET /v1/ops\` answer (the route computes each window at most once a second, however many pages poll): median`,
      `${fmt(median(snapshotMs))} ms over 21 sequential requests after the rounds (loopback, client-observed).`,
      '',
      ...section(rounds, 'idle'),
      ...section(rounds, 'export'),
      // No trivial server runs here: its floor check (bench:service) does not apply.
      ...machineLines(machine, sampleMachine(), 0),
      ...(machine.load > cpus().length
        ? [`- **the machine was busy with other work** (load average above its ${cpus().length} CPUs): the latencies say more about the machine than about the console; compare with and without only where they fall outside the noise`]
        : []),
      '',
    ].join('\n');
    console.log(text);
    await writeFile(join(REPO, 'bench/RESULTS-console.md'), text);
  } finally {
    await service?.stop();
    await client.query(`drop table if exists ${table}`).catch(() => undefined);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
