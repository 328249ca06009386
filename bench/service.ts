/**
 * `npm run bench:service`: latency of the service's small requests (GET /v1/exports/:id) at a
 * constant open-loop rate, first idle, then while 1,000,000-row exports run back to back, next to a trivial
 * node:http server at the same rate in the same run (the machine's floor), with the service's exports niced
 * (`limits.exportNice`, default 10) and not (0), plus the export's
 * throughput in the service vs the CLI, plus the cost of recording and coloring: the service with
 * observability on vs off in alternating rounds (service/overhead.ts). Writes bench/RESULTS-service.md.
 *
 * Env: SHEETPIPE_BENCH_RATE (requests/s, default 5000), SHEETPIPE_BENCH_DURATION (s per phase under
 * export, default 10), SHEETPIPE_BENCH_CONNECTIONS (keep-alive sockets, default 16), SHEETPIPE_BENCH_ROWS
 * (default 1000000), SHEETPIPE_BENCH_WARMUP (unrecorded seconds before each phase, default 2),
 * SHEETPIPE_BENCH_EXPORT_ROUNDS (rounds of CLI export, service export alone and the three phases under
 * an export, in alternating order; default 3), SHEETPIPE_BENCH_ROUNDS (on/off rounds, default 8: many short rounds pair better on a noisy machine
 * than a few long ones), SHEETPIPE_BENCH_ROUND_SECONDS (s per constant-rate phase in a round, default 3),
 * SHEETPIPE_BENCH_SATURATION_SECONDS (s per closed-loop phase, default 2), SHEETPIPE_BENCH_ROUND_WARMUP
 * (unrecorded s before each phase of a round, default 1), SHEETPIPE_BENCH_PG (default
 * postgres://postgres@127.0.0.1:5432/test). The default run takes about 8 minutes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { LoadResult } from './service/load-generator.js';
import { mainThreadShare, type CpuShare } from './service/cpu-share.js';
import { measureOverhead, median, overheadSection, type OverheadSpec } from './service/overhead.js';
import { machineLines, sampleMachine } from './service/machine.js';
import { HERE, runLoad, startServer, timed, type Server } from './service/processes.js';

const env = process.env;
const RATE = Number(env.SHEETPIPE_BENCH_RATE ?? 5000);
const DURATION = Number(env.SHEETPIPE_BENCH_DURATION ?? 10);
const CONNECTIONS = Number(env.SHEETPIPE_BENCH_CONNECTIONS ?? 16);
const WARMUP = Number(env.SHEETPIPE_BENCH_WARMUP ?? 2);
const EXPORT_ROUNDS = Number(env.SHEETPIPE_BENCH_EXPORT_ROUNDS ?? 3);
const ROWS = Number(env.SHEETPIPE_BENCH_ROWS ?? 1_000_000);
const PG_URL = env.SHEETPIPE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const OVERHEAD: OverheadSpec = {
  rounds: Number(env.SHEETPIPE_BENCH_ROUNDS ?? 8),
  rate: RATE,
  seconds: Number(env.SHEETPIPE_BENCH_ROUND_SECONDS ?? 3),
  saturationSeconds: Number(env.SHEETPIPE_BENCH_SATURATION_SECONDS ?? 2),
  warmupSeconds: Number(env.SHEETPIPE_BENCH_ROUND_WARMUP ?? 1),
  connections: CONNECTIONS,
  // A fixed trace: the on service parses it, keeps it in the latency record and echoes it, like any traced request.
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', baggage: 'color=canary' },
};
const TOKEN = randomBytes(16).toString('hex');
const REPO = resolve(HERE, '../../..');
const CLI = join(REPO, 'dist/src/cli/main.js');

interface Job {
  id: string;
  status: string;
  rows: number;
  startedAt: string | null;
  finishedAt: string | null;
}

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
  if (response.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function startJob(service: Server, report: string): Promise<Job> {
  return api<Job>(`${service.url}/v1/exports`, { method: 'POST', body: JSON.stringify({ report }) });
}

async function waitJob(service: Server, id: string, done: (job: Job) => boolean): Promise<Job> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const job = await api<Job>(`${service.url}/v1/exports/${id}`);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
}

const rowsPerSecond = (job: Job): number => job.rows / ((Date.parse(job.finishedAt as string) - Date.parse(job.startedAt as string)) / 1000);
const ended = (job: Job): boolean => job.status !== 'queued' && job.status !== 'running';

function load(url: string, token?: string): Promise<LoadResult> {
  return runLoad({ url, rate: RATE, durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, ...(token ? { token } : {}) });
}

interface Busy {
  readonly result: LoadResult;
  /** Rows/s of the exports that ran under the load. */
  readonly rate: number;
  /** Exports started during the phase, back to back. */
  readonly exports: number;
  readonly coveredMs: number;
}

/** The phases under export: the service (obs on, obs off, obs on with un-niced exports) and the trivial server beside it. */
type BusyPhase = 'on' | 'off' | 'floor' | 'nice0' | 'floorNice0';

interface ExportRound extends Record<BusyPhase, Busy> {
  readonly cliRate: number;
  readonly alone: number;
}

/**
 * Runs a load phase while big exports run back to back in the service (a new one starts as soon as the last ends,
 * so a fast export does not leave most of the phase idle). The job rate is over the exports that ran entirely
 * inside the phase, or the first one when none did.
 */
async function underExport(service: Server, url: string, token?: string): Promise<Busy> {
  let id = (await startJob(service, 'big')).id;
  await waitJob(service, id, (job) => job.status === 'running' && job.rows > 0);
  const loadStart = Date.now();
  let loading = true;
  const loaded = load(url, token).finally(() => {
    loading = false;
  });
  const jobs: Job[] = [];
  for (;;) {
    const job = await waitJob(service, id, ended);
    if (job.status !== 'succeeded') throw new Error(`the export ${job.status}`);
    jobs.push(job);
    if (!loading) break;
    id = (await startJob(service, 'big')).id;
  }
  const result = await loaded;
  const loadEnd = Date.now();
  const span = (job: Job): [number, number] => [Date.parse(job.startedAt as string), Date.parse(job.finishedAt as string)];
  // How much of the load phase (warm-up included) an export really overlapped.
  const coveredMs = jobs.reduce((sum, job) => {
    const [start, end] = span(job);
    return sum + Math.max(0, Math.min(end, loadEnd) - Math.max(start, loadStart));
  }, 0);
  const inside = jobs.filter((job) => span(job)[0] >= loadStart && span(job)[1] <= loadEnd);
  const measured = inside.length > 0 ? inside : jobs.slice(0, 1);
  const rows = measured.reduce((sum, job) => sum + job.rows, 0);
  const ms = measured.reduce((sum, job) => sum + span(job)[1] - span(job)[0], 0);
  return { result, rate: rows / (ms / 1000), exports: jobs.length, coveredMs };
}

/** Field-wise medians of several phases (a typical phase, for the table). */
function medianResult(results: readonly LoadResult[]): LoadResult {
  const of = (get: (r: LoadResult) => number, digits = 0): number => Number(median(results.map(get)).toFixed(digits));
  return {
    sent: of((r) => r.sent), completed: of((r) => r.completed), errors: of((r) => r.errors), total: of((r) => r.total),
    requestsPerSecond: of((r) => r.requestsPerSecond), p50Ms: of((r) => r.p50Ms, 3), p99Ms: of((r) => r.p99Ms, 3), p999Ms: of((r) => r.p999Ms, 3), maxMs: of((r) => r.maxMs, 3),
  };
}

/** Runs the on service once more under a V8 CPU profile at the constant rate; undefined if that fails. */
async function profiledShare(dir: string, start: (file: string, nodeArgs: string[]) => Promise<{ service: Server; target: string; pid: number }>): Promise<CpuShare | undefined> {
  const profiles = join(dir, 'profiles');
  const profiled = await start('profiled.json', ['--cpu-prof', `--cpu-prof-dir=${profiles}`]);
  try {
    await runLoad({ url: profiled.target, token: TOKEN, headers: OVERHEAD.headers, rate: RATE, durationSeconds: OVERHEAD.seconds * 2, warmupSeconds: OVERHEAD.warmupSeconds, connections: CONNECTIONS });
  } finally {
    await profiled.service.stop(); // the profile is written at exit
  }
  return mainThreadShare(profiles, profiled.pid).catch((error: Error) => {
    console.log(`no CPU profile share: ${error.message}`);
    return undefined;
  });
}

function row(phase: string, result: LoadResult): string {
  return `| ${phase} | ${RATE} | ${result.requestsPerSecond} | ${result.errors} | ${result.p50Ms} | ${result.p99Ms} | ${result.p999Ms} | ${result.maxMs} |`;
}

async function main(): Promise<void> {
  const machineAtStart = sampleMachine();
  const table = `bench_service_${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-bench-service-'));
  const servers: Server[] = [];
  try {
    console.log(`creating ${table} with ${ROWS} rows`);
    await sql(`create table ${table} as select g as id, g * 1.5 as amount, 'note ' || g as note, timestamptz '2024-01-01' + g * interval '1 second' as created_at from generate_series(1, ${ROWS}) g`);
    const query = `select * from ${table} order by id`;
    const config = {
      sources: { pg: { url: PG_URL } },
      reports: { big: { source: 'pg', query }, small: { source: 'pg', query: `select * from ${table} where id <= 10 order by id` } },
      tokens: [{ token: TOKEN, reports: ['*'] }],
      // One token drives thousands of status reads per second here: the per-token rate limit (50/s by default,
      // docs/security.md) would answer most of them 429, so it is lifted for the measurement.
      limits: { concurrentExports: 2, requestsPerSecond: 1_000_000 },
      storage: { dir: './exports' },
    };
    await writeFile(join(dir, 'on.json'), JSON.stringify({ ...config, storage: { dir: './on' } }));
    await writeFile(join(dir, 'off.json'), JSON.stringify({ ...config, storage: { dir: './off' }, observability: { enabled: false } }));
    await writeFile(join(dir, 'profiled.json'), JSON.stringify({ ...config, storage: { dir: './profiled' } }));
    // The same service with its exports at normal priority: what `limits.exportNice` (default 10) buys.
    await writeFile(join(dir, 'nice0.json'), JSON.stringify({ ...config, storage: { dir: './nice0' }, limits: { ...config.limits, exportNice: 0 } }));

    const trivial = await startServer('trivial-server.js', []);
    servers.push(trivial);
    const start = async (file: string, nodeArgs: string[] = []): Promise<{ service: Server; target: string; pid: number }> => {
      const service = await startServer('serve.js', ['--config', join(dir, file), '--port', '0'], { SHEETPIPE_LOG_LEVEL: 'warn' }, nodeArgs);
      servers.push(service);
      const small = await startJob(service, 'small');
      await waitJob(service, small.id, ended);
      return { service, target: `${service.url}/v1/exports/${small.id}`, pid: service.pid };
    };
    const on = await start('on.json');
    const off = await start('off.json');
    const nice0 = await start('nice0.json');

    console.log(`idle, obs on vs off: ${OVERHEAD.rounds} rounds, ${RATE}/s for ${OVERHEAD.seconds} s + ${OVERHEAD.saturationSeconds} s closed loop per service`);
    const rounds = await measureOverhead(
      { url: on.target, pid: on.pid, token: TOKEN }, { url: off.target, pid: off.pid, token: TOKEN }, `${trivial.url}/`, OVERHEAD, (line) => console.log(line),
    );
    console.log('CPU profile of the service, obs on');
    const share = await profiledShare(dir, start);
    const floorIdle = medianResult(rounds.map((r) => r.floor));
    const onIdle = medianResult(rounds.map((r) => r.on.fixed));
    const offIdle = medianResult(rounds.map((r) => r.off.fixed));
    console.log(`while exporting: ${EXPORT_ROUNDS} rounds, ${RATE}/s for ${DURATION} s (+${WARMUP} s warm-up) per phase`);
    const exportRounds: ExportRound[] = [];
    for (let round = 1; round <= EXPORT_ROUNDS; round++) {
      console.log(`export round ${round}/${EXPORT_ROUNDS}: CLI, service alone, then under load`);
      const cliMs = await timed([CLI, 'export', '--source', PG_URL, '--query', query, '--out', join(dir, 'cli.xlsx'), '--no-progress']);
      const alone = await waitJob(on.service, (await startJob(on.service, 'big')).id, ended);
      const phases: Record<BusyPhase, () => Promise<Busy>> = {
        on: () => underExport(on.service, on.target, TOKEN),
        off: () => underExport(off.service, off.target, TOKEN),
        floor: () => underExport(on.service, `${trivial.url}/`),
        nice0: () => underExport(nice0.service, nice0.target, TOKEN),
        floorNice0: () => underExport(nice0.service, `${trivial.url}/`),
      };
      // Alternating order, so a drift in the machine's load does not always hit the same phase.
      const order: BusyPhase[] = ['on', 'off', 'floor', 'nice0', 'floorNice0'];
      if (round % 2 === 0) order.reverse();
      const measured: Partial<Record<BusyPhase, Busy>> = {};
      for (const phase of order) measured[phase] = await phases[phase]();
      exportRounds.push({ cliRate: ROWS / (cliMs / 1000), alone: rowsPerSecond(alone), ...(measured as Record<BusyPhase, Busy>) });
    }
    const cliRate = median(exportRounds.map((r) => r.cliRate));
    const aloneRate = median(exportRounds.map((r) => r.alone));
    const busyOf = (side: BusyPhase): Busy => ({
      result: medianResult(exportRounds.map((r) => r[side].result)),
      rate: median(exportRounds.map((r) => r[side].rate)),
      exports: median(exportRounds.map((r) => r[side].exports)),
      coveredMs: median(exportRounds.map((r) => r[side].coveredMs)),
    });
    const onBusy = busyOf('on');
    const offBusy = busyOf('off');
    const floorBusy = busyOf('floor');
    const nice0Busy = busyOf('nice0');
    const floorNice0Busy = busyOf('floorNice0');

    const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
    const exporting = `while ${ROWS.toLocaleString('en-US')}-row exports run`;
    const lines = [
      '# Service benchmark (`npm run bench:service`)',
      '',
      `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), shared machine.`,
      `Open-loop constant rate ${RATE} requests/s for ${DURATION} s per phase (after ${WARMUP} s unrecorded warm-up) over ${CONNECTIONS} keep-alive`,
      "connections; latency from each request's scheduled send time to the end of its response, in an HDR histogram with nanosecond",
      'values; the load generator, the trivial server and each service run in their own processes.',
      `The export is ${ROWS.toLocaleString('en-US')} rows × 4 columns from PostgreSQL to .xlsx. "obs" = observability (latency ring, tracing, /debug).`,
      '',
      '| phase | rate (req/s) | achieved (req/s) | errors | P50 ms | P99 ms | P999 ms | max ms |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      row(`trivial node:http server, idle (floor; median of ${rounds.length})`, floorIdle),
      row(`service \`GET /v1/exports/:id\`, idle, obs on (median of ${rounds.length})`, onIdle),
      row(`service \`GET /v1/exports/:id\`, idle, obs off (median of ${rounds.length})`, offIdle),
      row(`service \`GET /v1/exports/:id\` ${exporting}, obs on (median of ${EXPORT_ROUNDS})`, onBusy.result),
      row(`service \`GET /v1/exports/:id\` ${exporting}, obs off (median of ${EXPORT_ROUNDS})`, offBusy.result),
      row(`trivial server ${exporting} in the service (median of ${EXPORT_ROUNDS})`, floorBusy.result),
      row(`service, obs on, \`limits.exportNice: 0\` (exports not niced) ${exporting} (median of ${EXPORT_ROUNDS})`, nice0Busy.result),
      row(`trivial server ${exporting} un-niced in the service (median of ${EXPORT_ROUNDS})`, floorNice0Busy.result),
      '',
      ...machineLines(machineAtStart, sampleMachine(), floorIdle.p999Ms),
      `- idle P999 vs floor: obs on ${ratio(onIdle.p999Ms, floorIdle.p999Ms)}×, obs off ${ratio(offIdle.p999Ms, floorIdle.p999Ms)}× (target ≤ 1.2×)`,
      `- P999 while exporting vs floor: obs on ${ratio(onBusy.result.p999Ms, floorIdle.p999Ms)}×, obs off ${ratio(offBusy.result.p999Ms, floorIdle.p999Ms)}× (target ≤ 1.5×);` +
        ` vs the floor under the same export: ${ratio(onBusy.result.p999Ms, floorBusy.result.p999Ms)}× / ${ratio(offBusy.result.p999Ms, floorBusy.result.p999Ms)}×`,
      `- exports ran back to back (median ${onBusy.exports}, ${offBusy.exports} and ${floorBusy.exports} per phase for obs on, obs off and the floor) and overlapped` +
        ` ${(onBusy.coveredMs / 1000).toFixed(1)} s, ${(offBusy.coveredMs / 1000).toFixed(1)} s and ${(floorBusy.coveredMs / 1000).toFixed(1)} s of the ${DURATION + WARMUP} s phase (warm-up included)`,
      `- \`exportNice\` 10 (the default) vs 0, obs on: service P999 ${onBusy.result.p999Ms} vs ${nice0Busy.result.p999Ms} ms, trivial server beside it` +
        ` ${floorBusy.result.p999Ms} vs ${floorNice0Busy.result.p999Ms} ms, job ${Math.round(onBusy.rate)} vs ${Math.round(nice0Busy.rate)} rows/s`,
      '',
      `| export (median of ${EXPORT_ROUNDS}) | rows/s | vs CLI |`,
      '| --- | --- | --- |',
      `| CLI \`sheetpipe export\` | ${Math.round(cliRate)} | 1.00 |`,
      `| service job, no other load | ${Math.round(aloneRate)} | ${ratio(aloneRate, cliRate)} |`,
      `| service job while serving ${RATE} req/s (obs on) | ${Math.round(onBusy.rate)} | ${ratio(onBusy.rate, cliRate)} |`,
      `| service job while serving ${RATE} req/s (obs off) | ${Math.round(offBusy.rate)} | ${ratio(offBusy.rate, cliRate)} |`,
      `| service job while serving ${RATE} req/s (obs on, exportNice 0) | ${Math.round(nice0Busy.rate)} | ${ratio(nice0Busy.rate, cliRate)} |`,
      '',
      'Every export round (the noise): P999 ms of each phase under the export, and rows/s.',
      '',
      '| round | order | obs on P999 | obs off P999 | floor P999 | nice 0 P999 | floor (nice 0) P999 | CLI rows/s | alone rows/s | on rows/s | off rows/s | nice 0 rows/s |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...exportRounds.map((r, i) => `| ${i + 1} | ${i % 2 === 0 ? 'forward' : 'reversed'} | ${r.on.result.p999Ms} | ${r.off.result.p999Ms} | ${r.floor.result.p999Ms} | ${r.nice0.result.p999Ms} | ${r.floorNice0.result.p999Ms} | ${Math.round(r.cliRate)} | ${Math.round(r.alone)} | ${Math.round(r.on.rate)} | ${Math.round(r.off.rate)} | ${Math.round(r.nice0.rate)} |`),
      '',
      'Order "forward" is on, off, floor, nice 0, floor (nice 0); "reversed" the opposite.',
      '',
      ...overheadSection(rounds, OVERHEAD, share),
      `Rerun: \`SHEETPIPE_BENCH_RATE=${RATE} SHEETPIPE_BENCH_DURATION=${DURATION} SHEETPIPE_BENCH_CONNECTIONS=${CONNECTIONS} SHEETPIPE_BENCH_ROUNDS=${OVERHEAD.rounds} SHEETPIPE_BENCH_EXPORT_ROUNDS=${EXPORT_ROUNDS} npm run bench:service\`.`,
      '',
    ];
    const text = lines.join('\n');
    console.log(`\n${text}`);
    await writeFile(join(REPO, 'bench/RESULTS-service.md'), text);
  } finally {
    for (const server of servers.reverse()) await server.stop().catch(() => undefined);
    await sql(`drop table if exists ${table}`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
