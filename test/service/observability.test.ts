/**
 * Observability in the real service, over loopback against real PostgreSQL: one colored request
 * followed through every hop (pg_stat_activity, job record, the file's custom properties, the
 * coverage counters), spikes attributed by /debug/latency (GC, event-loop block, queued for an
 * export slot, slow database), trace fields in log lines, and the Grafana dashboard's metrics
 * present on the live /metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DebugLatency, DebugLatencyRecord } from '../../src/observability/attribution.js';
import { PG_URL, dropPgTable, makePgOrders, uniqueName, until, withPg } from './helpers/data.js';
import { listEntries, readEntry } from '../helpers/zip-read.js';
import { TOKEN, auth, finished, makeTempDir, removeDir, startServer, waitForJob, type JobJson, type TestServer } from './helpers/server.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* block the event loop on purpose */ }
};
const newTraceId = (): string => randomBytes(16).toString('hex');
const traced = (traceId: string, color?: string): Record<string, string> => ({
  ...auth(), traceparent: `00-${traceId}-00f067aa0ba902b7-01`, ...(color === undefined ? {} : { baggage: `color=${color},tenant=acme` }),
});

const marker = uniqueName('obs_marker');
const logLines: string[] = [];
let server: TestServer;
let dir: string;
let table: string;

before(async () => {
  assert.ok(typeof gc === 'function', 'tests run with --expose-gc');
  dir = await makeTempDir();
  table = await makePgOrders(200);
  server = await startServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: {
      // The first rows come after 1.5 s, so the statement is visible in pg_stat_activity meanwhile.
      colored: { source: 'pg', query: `select g as id, 'note ' || g as note from generate_series(1, 50) g, pg_sleep(1.5) /* ${marker} */` },
      orders: { source: 'pg', query: `select * from ${table} order by id`, sheet: 'Orders' },
      sleepy: { source: 'pg', query: 'select 1 as one from pg_sleep(:seconds)', params: { seconds: { type: 'number' } } },
      broken: { source: 'pg', query: 'select * from no_such_table_for_observability' },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { concurrentExports: 1, queueLength: 5 },
    // These tests block the loop on purpose (a forced GC, a busy wait); admission by loop delay is tested elsewhere.
    admission: { eventLoopDelayQueueMs: 10_000, eventLoopDelayRefuseMs: 20_000 },
  }, { logger: { level: 'warn', stream: { write: (line: string) => logLines.push(line) } } });
});

after(async () => {
  await server.close();
  await dropPgTable(table);
  await removeDir(dir);
});

async function metricsText(): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text();
}

async function debugLatency(minMs: number): Promise<DebugLatency> {
  const response = await fetch(`${server.url}/debug/latency?minMs=${minMs}&limit=1000`, { headers: auth() });
  assert.equal(response.status, 200);
  return (await response.json()) as DebugLatency;
}

async function recordOf(traceId: string): Promise<DebugLatencyRecord> {
  const record = (await debugLatency(0)).records.find((r) => r.traceId === traceId);
  assert.ok(record, `a latency record for trace ${traceId}`);
  return record;
}

/** Statements (other than ours) the server is running whose text contains `text`. */
async function runningStatements(text: string): Promise<string[]> {
  return withPg(async (client) => {
    const result = await client.query("select query from pg_stat_activity where pid <> pg_backend_pid() and state = 'active' and query like $1", [`%${text}%`]);
    return result.rows.map((row: { query: string }) => row.query);
  });
}

/** Read in-process: a synchronous reader process would block the in-process server's loop and trip its admission. */
function customProperties(xlsx: Buffer): string {
  const entry = listEntries(xlsx).find((e) => e.name === 'docProps/custom.xml');
  assert.ok(entry, 'the file has custom document properties');
  return readEntry(xlsx, entry).toString('utf8');
}

test('a colored request keeps its trace id through the SQL, the job record and the file, and coverage counts each hop once', async () => {
  const traceId = newTraceId();
  const response = await fetch(`${server.url}/v1/exports`, {
    method: 'POST', headers: { ...traced(traceId, 'canary'), 'content-type': 'application/json' }, body: JSON.stringify({ report: 'colored' }),
  });
  assert.equal(response.status, 202, await response.clone().text());
  assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const accepted = (await response.json()) as JobJson;
  assert.equal(response.headers.get('x-export-id'), accepted.id);

  // Database: the running statement carries the trace id and color as a sqlcommenter comment.
  await until(async () => (await runningStatements(marker)).length > 0, 15_000, 'the statement to run on the server');
  const [statement] = await runningStatements(traceId);
  assert.ok(statement, 'the running statement names the trace id');
  assert.match(statement, new RegExp(`^/\\*traceparent='00-${traceId}-[0-9a-f]{16}-01',color='canary'\\*/ select`));

  // Job record.
  const job = await waitForJob(server.url, accepted.id, finished);
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
  assert.equal(job.traceId, traceId);
  assert.equal(job.color, 'canary');

  // Output file.
  const custom = customProperties(Buffer.from(await (await fetch(`${server.url}/v1/exports/${job.id}/file`, { headers: auth() })).arrayBuffer()));
  assert.match(custom, new RegExp(`name="traceId"[^>]*>\\s*<vt:lpwstr>${traceId}</vt:lpwstr>`));
  assert.match(custom, /name="color"[^>]*>\s*<vt:lpwstr>canary<\/vt:lpwstr>/);

  // A refused colored request started no colored work: it is not counted.
  const refused = await fetch(`${server.url}/v1/exports`, {
    method: 'POST', headers: { ...traced(newTraceId(), 'canary'), 'content-type': 'application/json' }, body: JSON.stringify({ report: 'nope' }),
  });
  assert.equal(refused.status, 404);

  const metrics = await metricsText();
  assert.match(metrics, /^sheetpipe_color_requests_total\{color="canary"\} 1$/m);
  for (const hop of ['worker', 'db', 'file']) assert.match(metrics, new RegExp(`^sheetpipe_color_hops_total\\{color="canary",hop="${hop}"\\} 1$`, 'm'), `hop ${hop}`);
});

test('a colored direct download reaches its worker thread, the database and the file', async () => {
  const traceId = newTraceId();
  const response = await fetch(`${server.url}/v1/reports/orders/download`, { headers: traced(traceId, 'direct') });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.match(response.headers.get('x-export-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.match(customProperties(Buffer.from(await response.arrayBuffer())), new RegExp(`<vt:lpwstr>${traceId}</vt:lpwstr>`));
  // The request is counted when its response ends; the file hop a little later, when the export closes its source.
  const counted = [/^sheetpipe_color_requests_total\{color="direct"\} 1$/m, ...['db', 'file', 'worker'].map((hop) => new RegExp(`^sheetpipe_color_hops_total\\{color="direct",hop="${hop}"\\} 1$`, 'm'))];
  await until(async () => {
    const metrics = await metricsText();
    return counted.every((line) => line.test(metrics));
  }, 5_000, 'the download and its three hops to be counted once');
  const record = await recordOf(traceId);
  assert.equal(record.route, 'GET /v1/reports/:name/download');
  assert.equal(record.status, 200);
});

/**
 * POST /v1/exports whose body is sent only after `induce` ran: the request is in progress on the
 * server (its headers were handled) while the test blocks the loop or collects garbage.
 */
async function requestDuring(induce: () => void): Promise<string> {
  const traceId = newTraceId();
  const body = JSON.stringify({ report: 'orders', format: 'csv' });
  const started = new Promise<void>((resolve) => server.app.server.once('request', () => resolve()));
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    const request = httpRequest(`${server.url}/v1/exports`, {
      method: 'POST', headers: { ...traced(traceId), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    }, resolve);
    request.on('error', reject);
    request.flushHeaders();
    void started.then(() => {
      induce();
      request.end(body);
    });
  });
  const response = await answered;
  response.resume();
  assert.equal(response.statusCode, 202);
  const id = (await new Promise<string>((resolve) => {
    let text = '';
    response.on('data', (chunk: Buffer) => (text += chunk.toString()));
    response.on('end', () => resolve(text));
  }).then((text) => (JSON.parse(text) as JobJson).id));
  await waitForJob(server.url, id, finished);
  return traceId;
}

test('/debug/latency in the real service: a GC pause and an event-loop block during a request get their causes', async () => {
  // A live heap makes a full GC take tens of milliseconds.
  const retained = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `x${i}` }));
  const gcTrace = await requestDuring(() => gc());
  const blockTrace = await requestDuring(() => busy(60));
  const gcRecord = await recordOf(gcTrace);
  assert.equal(gcRecord.route, 'POST /v1/exports');
  assert.equal(gcRecord.gc, true, JSON.stringify(gcRecord));
  assert.equal(gcRecord.cause, 'gc', JSON.stringify(gcRecord));
  const blockRecord = await recordOf(blockTrace);
  assert.equal(blockRecord.cause, 'event-loop', JSON.stringify(blockRecord));
  assert.ok(blockRecord.eventLoopDelayMs >= 30, JSON.stringify(blockRecord));
  assert.equal(retained.length, 400_000);
});

test('a download that waits for the only export slot is attributed to `queued`; one waiting for a slow query to `database`', async () => {
  const blocker = await fetch(`${server.url}/v1/exports`, {
    method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ report: 'sleepy', params: { seconds: 1.5 } }),
  });
  const blockerJob = (await blocker.json()) as JobJson;
  assert.equal(blockerJob.status, 'running', 'the blocker holds the only slot');
  const queuedTrace = newTraceId();
  const waited = await fetch(`${server.url}/v1/reports/orders/download?format=csv`, { headers: traced(queuedTrace) });
  assert.equal(waited.status, 200, 'the download waited for the slot instead of getting 429');
  assert.equal((await waited.text()).split('\n').filter(Boolean).length, 201);
  assert.equal((await waitForJob(server.url, blockerJob.id, finished)).status, 'succeeded');
  const queued = await recordOf(queuedTrace);
  assert.equal(queued.cause, 'queued', JSON.stringify(queued));
  assert.ok(queued.queuedMs >= 500 && queued.queuedMs <= queued.latencyMs, JSON.stringify(queued));

  // A download's slot is free once its thread has ended, a moment after the client read the last byte.
  await until(async () => /^sheetpipe_exports_running 0$/m.test(await metricsText()), 5_000, 'every export slot to be free');
  const slowTrace = newTraceId();
  const slow = await fetch(`${server.url}/v1/reports/sleepy/download?seconds=0.6&format=csv`, { headers: traced(slowTrace) });
  assert.equal(slow.status, 200);
  await slow.text();
  const database = await recordOf(slowTrace);
  assert.equal(database.cause, 'database', JSON.stringify(database));
  assert.equal(database.queuedMs, 0);
});

test('log lines of a traced request and of a traced job carry its trace id and color', async () => {
  const downloadTrace = newTraceId();
  const failed = await fetch(`${server.url}/v1/reports/broken/download`, { headers: traced(downloadTrace, 'logs') });
  assert.equal(failed.status, 400);
  const jobTrace = newTraceId();
  const posted = await fetch(`${server.url}/v1/exports`, {
    method: 'POST', headers: { ...traced(jobTrace, 'logs'), 'content-type': 'application/json' }, body: JSON.stringify({ report: 'broken' }),
  });
  const job = await waitForJob(server.url, ((await posted.json()) as JobJson).id, finished);
  assert.equal(job.status, 'failed');
  const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const download = lines.find((line) => line.msg === 'direct download failed');
  assert.equal(download?.traceId, downloadTrace, JSON.stringify(download));
  assert.equal(download?.color, 'logs');
  assert.match(String(download?.spanId), /^[0-9a-f]{16}$/);
  const exportFailed = lines.find((line) => line.msg === 'export failed' && line.job === job.id);
  assert.equal(exportFailed?.traceId, jobTrace, JSON.stringify(exportFailed));
  assert.equal(exportFailed?.color, 'logs');
});

/** Metric names in a PromQL expression, with histogram series suffixes folded onto the metric; and its `by (…)` labels. */
function promql(expr: string): { metrics: string[]; labels: string[] } {
  const metrics = [...expr.matchAll(/\b(sheetpipe_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
  const labels = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean));
  return { metrics, labels };
}

test('every metric (and grouping label) the Grafana dashboard queries is on the live service /metrics', async () => {
  gc(); // so the GC histogram has an observation
  await sleep(50);
  const text = await metricsText();
  const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const dashboard = JSON.parse(await readFile(new URL('../../../deploy/grafana/sheetpipe.json', import.meta.url), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  let checked = 0;
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      const { metrics, labels } = promql(target.expr);
      const series = samples.filter((line) => metrics.some((name) => new RegExp(`^${name}(_bucket|_sum|_count)?[{ ]`).test(line)));
      for (const name of metrics) assert.ok(series.some((line) => line.startsWith(name)), `${panel.title}: ${name} has samples on /metrics`);
      // `le` comes with histograms; `pod` is a label Prometheus adds when it scrapes.
      for (const label of labels.filter((l) => l !== 'le' && l !== 'pod')) {
        assert.ok(series.some((line) => line.includes(`${label}="`)), `${panel.title}: some ${metrics.join(', ')} sample has label ${label}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 10, `checked ${checked} queries`);
});
