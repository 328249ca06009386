/**
 * Live config reload of a real `sheetpipe serve` process over loopback: SIGHUP, `POST /v1/admin/reload` and
 * `sheetpipe reload`. A job held running (its query waits for an advisory lock this test holds) must finish
 * under its old config while the new one (a new report, a revoked token, changed schedules and sampling)
 * applies to new requests; a broken file, or one changing a restart-only setting, must change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { repoRoot } from '../helpers/xlsx-check.js';
import { PG_URL, busyBackends, makeSqliteOrders, uniqueName, until } from './helpers/data.js';
import { startChildServer, type ChildServer } from './helpers/child.js';
import { TOKEN, auth, errorOf, makeTempDir, postExport, removeDir, waitForJob, writeConfig, type JobJson } from './helpers/server.js';

const run = promisify(execFile);
const CLI = resolve(repoRoot, 'dist/src/cli/main.js');
const NARROW_TOKEN = 'reload-test-narrow-token';
const SOME_ID = '00000000-0000-4000-8000-000000000000';

/** A report whose query blocks until the advisory lock `key` is free (the test holds it). */
function heldQuery(key: number, marker: string): string {
  return `select g as id, 'row ' || g as note from generate_series(1, 2000) g, lateral (select pg_advisory_xact_lock_shared(${key})::text) l(x) /* ${marker} */`;
}

function baseConfig(key: number, marker: string): Record<string, any> {
  return {
    sources: { demo: { url: 'sqlite:./demo.db' }, pg: { url: PG_URL } },
    reports: {
      orders: { source: 'demo', query: 'select * from orders order by id' },
      held: { source: 'pg', query: heldQuery(key, marker) },
    },
    tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'narrow', token: NARROW_TOKEN, reports: ['orders'] }],
    // Every second, no jitter: the runs are visible in sheetpipe_schedule_runs_total within a few seconds.
    schedules: [{ cron: '* * * * * *', report: 'orders', jitterSeconds: 0 }],
    limits: { concurrentExports: 2, jobsPerReport: 100_000 },
    server: { shutdownGraceSeconds: 5 },
    // Fast requests to /healthz are never sampled into the latency ring…
    observability: { slowMs: 60_000, sampleRates: { 'GET /healthz': 0 } },
  };
}

async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function healthzRecords(url: string): Promise<number> {
  const body = (await (await fetch(`${url}/debug/latency?limit=10000`, { headers: auth() })).json()) as { records: { route: string }[] };
  return body.records.filter((record) => record.route === 'GET /healthz').length;
}

/** Signals the child and waits until the reload counter for `result` reaches `count`. */
/** A server still running after a failed test is killed, so the file's process can exit. */
async function killIfRunning(server: ChildServer | undefined): Promise<void> {
  if (server === undefined || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGKILL');
  await server.exited;
}

async function hangUp(server: ChildServer, result: 'applied' | 'rejected', count: number): Promise<void> {
  server.child.kill('SIGHUP');
  await until(async () => (await metric(server.url, 'sheetpipe_config_reloads_total', `{result="${result}"}`)) >= count, 20_000, `reload ${result} #${count}`);
}

test('SIGHUP applies a new config to new requests while a running job finishes under the old one; a broken file changes nothing', { timeout: 180_000 }, async () => {
  const dir = await makeTempDir('sheetpipe-reload-');
  const key = randomInt(1, 2 ** 31 - 1);
  const marker = uniqueName('reload');
  const lock = new pg.Client({ connectionString: PG_URL });
  await lock.connect();
  let server: ChildServer | undefined;
  try {
    makeSqliteOrders(join(dir, 'demo.db'), 100);
    const config = baseConfig(key, marker);
    await lock.query('select pg_advisory_lock($1)', [key]);
    server = await startChildServer(dir, config);
    const { url } = server;
    assert.equal((await fetch(`${url}/v1/exports/${SOME_ID}`, { headers: auth(NARROW_TOKEN) })).status, 404, 'the narrow token works before the reload');
    assert.equal((await postExport(url, { report: 'extra' })).status, 404, 'no report "extra" yet');
    await until(async () => (await metric(url, 'sheetpipe_schedule_runs_total', '{report="orders",outcome="enqueued"}')) >= 1, 20_000, 'the first schedule to run');
    for (let i = 0; i < 5; i++) await fetch(`${url}/healthz`);
    assert.equal(await healthzRecords(url), 0, 'rate 0: /healthz is not sampled before the reload');

    const held = (await (await postExport(url, { report: 'held' })).json()) as JobJson;
    await until(async () => (await busyBackends(marker)) >= 1, 30_000, 'the held job\'s query to run');
    assert.equal((await waitForJob(url, held.id, (job) => job.status === 'running', 10_000)).status, 'running');

    // The new config: a new report, the narrow token revoked, the schedule moved to the new report, /healthz sampled.
    const next = structuredClone(config);
    next.reports.extra = { source: 'demo', query: 'select id from orders where id <= 10 order by id' };
    next.tokens = [{ token: TOKEN, reports: ['*'] }];
    next.schedules = [{ cron: '* * * * * *', report: 'extra', jitterSeconds: 0 }];
    next.observability.sampleRates = { 'GET /healthz': 1 };
    await writeConfig(dir, next);
    await hangUp(server, 'applied', 1);
    assert.equal(server.child.exitCode, null, 'SIGHUP did not stop the process');

    const extra = (await (await postExport(url, { report: 'extra' })).json()) as JobJson;
    assert.equal((await waitForJob(url, extra.id, (job) => job.status === 'succeeded' || job.status === 'failed')).status, 'succeeded', 'the new report works');
    const revoked = await fetch(`${url}/v1/exports/${SOME_ID}`, { headers: auth(NARROW_TOKEN) });
    assert.equal(revoked.status, 401, 'the revoked token is refused');
    assert.equal((await errorOf(revoked)).code, 'SHEETPIPE_ERR_SERVICE_UNAUTHORIZED');
    for (let i = 0; i < 5; i++) await fetch(`${url}/healthz`);
    assert.ok((await healthzRecords(url)) >= 5, 'the new sampling rate applies: /healthz is recorded');
    // The old schedule stopped, the new one runs.
    const oldRuns = await metric(url, 'sheetpipe_schedule_runs_total', '{report="orders",outcome="enqueued"}');
    await until(async () => (await metric(url, 'sheetpipe_schedule_runs_total', '{report="extra",outcome="enqueued"}')) >= 3, 20_000, 'the new schedule to run');
    assert.ok((await metric(url, 'sheetpipe_schedule_runs_total', '{report="orders",outcome="enqueued"}')) <= oldRuns + 1, 'the removed schedule stopped');
    assert.ok(await metric(url, 'sheetpipe_config_last_reload_timestamp_seconds') > 0, 'the last reload time is exported');
    assert.equal(await metric(url, 'sheetpipe_config_last_reload_success'), 1);

    // The job started before the reload is still running (its query waits for the lock) and finishes under the old config.
    assert.equal((await waitForJob(url, held.id, () => true)).status, 'running', 'the held job ran across the reload');
    await lock.query('select pg_advisory_unlock($1)', [key]);
    const done = await waitForJob(url, held.id, (job) => job.status === 'succeeded' || job.status === 'failed', 60_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.rows, 2000);
    assert.equal((await fetch(`${url}/v1/exports/${held.id}/file`, { headers: auth() })).status, 200);

    // A broken file: rejected, counted, nothing changes, the process lives on.
    await writeFile(join(dir, 'sheetpipe.json'), '{ "sources": ');
    await hangUp(server, 'rejected', 1);
    assert.equal(server.child.exitCode, null, 'the process is alive');
    assert.equal(await metric(url, 'sheetpipe_config_reloads_total', '{result="rejected"}'), 1);
    assert.equal(await metric(url, 'sheetpipe_config_last_reload_success'), 0);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await postExport(url, { report: 'extra' })).status, 202, 'the applied config still serves');
    assert.equal((await fetch(`${url}/v1/exports/${SOME_ID}`, { headers: auth(NARROW_TOKEN) })).status, 401, 'the token stays revoked');
    assert.match(server.output(), /"reason":"the config file: not valid JSON[^"]*","msg":"configuration reload rejected; the running configuration stays"/);

    // A valid file that changes a restart-only setting, through the admin endpoint: 409 naming the key.
    const moved = structuredClone(next);
    moved.server = { ...moved.server, port: 1 };
    moved.reports.later = { source: 'demo', query: 'select id from orders' };
    await writeConfig(dir, moved);
    const refused = await fetch(`${url}/v1/admin/reload`, { method: 'POST', headers: auth() });
    assert.equal(refused.status, 409);
    const refusal = await errorOf(refused);
    assert.equal(refusal.code, 'SHEETPIPE_ERR_SERVICE_RELOAD_REJECTED');
    assert.match(refusal.message, /server\.port cannot change without a restart/);
    assert.equal((await postExport(url, { report: 'later' })).status, 404, 'nothing of a rejected file applies');
    assert.equal(await metric(url, 'sheetpipe_config_reloads_total', '{result="rejected"}'), 2);

    // `sheetpipe reload --url` with the file fixed: applied, exit 0; the admin endpoint needs a "*" token.
    moved.server = next.server;
    await writeConfig(dir, moved);
    const cli = await run(process.execPath, [CLI, 'reload', '--url', url], { env: { ...process.env, SHEETPIPE_TOKEN: TOKEN } });
    assert.match(cli.stdout, /configuration reloaded \(changed: reports\)/);
    assert.equal((await postExport(url, { report: 'later' })).status, 202, 'the report added by sheetpipe reload works');
    assert.equal(await metric(url, 'sheetpipe_config_reloads_total', '{result="applied"}'), 2);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  } finally {
    await killIfRunning(server);
    await lock.end();
    await removeDir(dir);
  }
});

test('the admin reload endpoint needs a "*" token and never echoes the file\'s text; sheetpipe reload reports a rejection with exit 1', { timeout: 60_000 }, async () => {
  const dir = await makeTempDir('sheetpipe-reload-');
  let server: ChildServer | undefined;
  try {
    makeSqliteOrders(join(dir, 'demo.db'), 10);
    const config = {
      sources: { demo: { url: 'sqlite:./demo.db' } },
      reports: { orders: { source: 'demo', query: 'select * from orders order by id' } },
      tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'narrow', token: NARROW_TOKEN, reports: ['orders'] }],
    };
    server = await startChildServer(dir, config);
    const forbidden = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST', headers: auth(NARROW_TOKEN) });
    assert.equal(forbidden.status, 403);
    assert.equal((await fetch(`${server.url}/v1/admin/reload`, { method: 'POST' })).status, 401);
    // V8's JSON error quotes the text around the mistake; the answer (and the log) must not repeat a secret from the file.
    await writeFile(join(dir, 'sheetpipe.json'), '{ "tokens": [{ "token": leaky-secret-value, "reports": ["*"] }] }');
    const unparsable = await fetch(`${server.url}/v1/admin/reload`, { method: 'POST', headers: auth() });
    assert.equal(unparsable.status, 409);
    const unparsableError = await errorOf(unparsable);
    assert.match(unparsableError.message, /reload rejected: the config file: not valid JSON: Unexpected token/);
    assert.doesNotMatch(JSON.stringify(unparsableError), /leaky|secret-value/);
    assert.doesNotMatch(server.output(), /leaky/);
    await writeConfig(dir, { ...config, reports: { orders: { source: 'nowhere', query: 'select 1' } } });
    const cli = await run(process.execPath, [CLI, 'reload', '--url', server.url], { env: { ...process.env, SHEETPIPE_TOKEN: TOKEN } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /reload rejected: reports\.orders\.source: /);
    assert.equal(await metric(server.url, 'sheetpipe_config_reloads_total', '{result="rejected"}'), 2);
    // --pid sends SIGHUP: the same rejection is counted again, and the process stays up.
    await run(process.execPath, [CLI, 'reload', '--pid', String(server.child.pid)]);
    await until(async () => (await metric(server!.url, 'sheetpipe_config_reloads_total', '{result="rejected"}')) >= 3, 20_000, 'the SIGHUP reload');
    assert.equal((await postExport(server.url, { report: 'orders' })).status, 202);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  } finally {
    await killIfRunning(server);
    await removeDir(dir);
  }
});
