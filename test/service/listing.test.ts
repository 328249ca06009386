/**
 * GET /v1/exports, /v1/reports, /v1/schedules: paging through 1,000 jobs with filters returns each visible job
 * once, newest first, and only the token's own (plus scheduled jobs of its reports; everything for "*").
 * The job store is filled before start (as a restart would find it), then real exports are added while paging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { JobStore } from '../../src/service/jobs/job-store.js';
import type { JobRecord, JobStatus } from '../../src/service/jobs/types.js';
import { makeSqliteOrders } from './helpers/data.js';
import { TOKEN, auth, errorOf, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from './helpers/server.js';

const ALICE = 'alice-token';
const BOB = 'bob-token';
const STATUSES: JobStatus[] = ['succeeded', 'failed', 'canceled', 'succeeded'];

function seedJobs(dir: string, count: number): JobRecord[] {
  const store = new JobStore(join(dir, 'exports'));
  // Recent enough that retention (24 h) keeps them all through the test.
  const base = Date.now() - 3_600_000;
  const jobs: JobRecord[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4; // 0 alice, 1 bob, 2 scheduled orders, 3 scheduled secret
    const report = kind === 3 ? 'secret' : 'orders';
    // Every third job shares its millisecond with the one before: the id breaks the tie.
    const createdAt = base + Math.floor(i - i / 3) * 1000 - 1_000_000;
    const job: JobRecord = {
      id: randomUUID(), report, source: null, query: null, params: kind < 2 ? { min: i } : {}, format: 'csv', filename: null,
      origin: kind < 2 ? 'api' : 'schedule', owner: kind === 0 ? 'alice' : kind === 1 ? 'bob' : null, trace: null,
      schedule: kind === 2 ? 'nightly' : kind === 3 ? 'secret#1' : null,
      status: STATUSES[i % STATUSES.length] as JobStatus, rows: i, bytes: 0, createdAt, startedAt: createdAt, finishedAt: createdAt + 10,
      error: null,
    };
    store.insert(job);
    jobs.push(job);
  }
  store.close();
  return jobs;
}

const newestFirst = (a: JobRecord, b: JobRecord): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);

async function pageAll(url: string, token: string, query: string, limit: number, during?: () => Promise<void>): Promise<JobJson[]> {
  const seen: JobJson[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await fetch(`${url}/v1/exports?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth(token) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { exports: JobJson[]; next: string | null };
    assert.ok(body.exports.length <= limit);
    if (body.next !== null) assert.equal(body.exports.length, limit, 'every page but the last is full');
    seen.push(...body.exports);
    cursor = body.next;
    if (++pages === 2 && during) await during();
  } while (cursor !== null);
  return seen;
}

test('paging through 1,000 jobs with filters: each visible job once, newest first, only the token\'s own', { timeout: 240_000 }, async () => {
  const dir = await makeTempDir();
  try {
    makeSqliteOrders(join(dir, 'demo.db'), 20);
    const jobs = seedJobs(dir, 1000);
    const server = await startServer(dir, {
      sources: { demo: { url: 'sqlite:./demo.db' } },
      reports: {
        orders: {
          source: 'demo', query: 'select * from orders where id >= :min order by id', description: 'All orders',
          params: { min: { type: 'integer', default: 0, description: 'smallest id' } }, sheet: 'Orders',
        },
        secret: { source: 'demo', table: 'orders' },
        book: {
          source: 'demo', title: 'Order book', about: true, params: { min: { type: 'integer', default: 1 } },
          sheets: [
            {
              name: 'Orders', query: 'select id, amount, note from orders where id >= :min', table: { totals: { amount: 'sum' } }, title: ['Order book since id {min}', 'Generated {generatedAt}'],
              columns: { amount: { header: 'Amount', format: { currency: 'EUR' } }, note: { hidden: true } },
            },
            { name: 'Summary', query: 'select count(*) as n, sum(amount) as total from orders where id >= :min', columns: { total: { format: 'decimal', decimals: 1 } }, title: 'Totals' },
            { name: 'Plain', query: 'select 1 as one' },
          ],
        },
      },
      tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'alice', token: ALICE, reports: ['orders'] }, { name: 'bob', token: BOB, reports: ['secret'] }],
      schedules: [
        { name: 'nightly', cron: '0 3 * * *', report: 'orders', params: { min: 5 } },
        { cron: '0 4 * * *', report: 'secret' },
      ],
      limits: { requestsPerSecond: 10_000, jobsPerToken: 10_000, jobsPerReport: 10_000 },
    });
    try {
      // Alice: her own jobs and the scheduled jobs of `orders`; a job she adds while paging is not on a later page.
      let added: JobJson | undefined;
      const alice = await pageAll(server.url, ALICE, '', 37, async () => {
        added = (await (await postExport(server.url, { report: 'orders', format: 'csv' }, ALICE)).json()) as JobJson;
      });
      const aliceExpected = jobs.filter((job) => job.owner === 'alice' || (job.owner === null && job.report === 'orders')).sort(newestFirst);
      assert.equal(aliceExpected.length, 500);
      assert.deepEqual(alice.map((job) => job.id), aliceExpected.map((job) => job.id), 'each job once, in order');
      assert.ok(added && !alice.some((job) => job.id === added?.id), 'a job accepted while paging sorts before the cursor');
      assert.ok(alice.every((job) => job.owner === 'alice' || job.owner === null));
      assert.ok(alice.filter((job) => job.owner === null).every((job) => job.params !== null), 'scheduled jobs show their config parameters');
      await waitForJob(server.url, (added as JobJson).id, finished);
      const first = (await (await fetch(`${server.url}/v1/exports?limit=1`, { headers: auth(ALICE) })).json()) as { exports: JobJson[] };
      assert.equal(first.exports[0]?.id, added?.id, 'the newest job comes first');

      // Filters combine: status, report, schedule, since/until (inclusive).
      const failed = await pageAll(server.url, ALICE, '&status=failed&report=orders', 11);
      assert.deepEqual(failed.map((job) => job.id), aliceExpected.filter((job) => job.status === 'failed').map((job) => job.id));
      const nightly = await pageAll(server.url, ALICE, '&schedule=nightly', 50);
      assert.deepEqual(nightly.map((job) => job.id), aliceExpected.filter((job) => job.schedule === 'nightly').map((job) => job.id));
      const since = new Date(jobs[300]?.createdAt as number).toISOString();
      const until = new Date(jobs[600]?.createdAt as number).toISOString();
      const window = await pageAll(server.url, ALICE, `&since=${since}&until=${until}`, 64);
      assert.deepEqual(window.map((job) => job.id), aliceExpected
        .filter((job) => job.createdAt >= Date.parse(since) && job.createdAt <= Date.parse(until)).map((job) => job.id));

      // Bob never sees alice's jobs (nor learns how many); "*" sees all, without others' parameters.
      const bob = await pageAll(server.url, BOB, '', 100);
      assert.deepEqual(bob.map((job) => job.id), jobs.filter((job) => job.owner === 'bob' || job.report === 'secret' && job.owner === null).sort(newestFirst).map((job) => job.id));
      assert.equal((await pageAll(server.url, BOB, '&report=orders&status=succeeded', 100)).filter((job) => job.owner === 'alice').length, 0);
      const all = await pageAll(server.url, TOKEN, '', 500);
      assert.equal(all.length, 1001);
      assert.equal(new Set(all.map((job) => job.id)).size, 1001);
      assert.ok(all.filter((job) => job.owner !== null).every((job) => job.params === null), '"*" never sees other tokens\' parameters');

      // Bad input is a named 400.
      for (const query of ['cursor=abc', 'limit=0', 'limit=501', 'status=done', 'since=yesterday', 'colour=red']) {
        const response = await fetch(`${server.url}/v1/exports?${query}`, { headers: auth(ALICE) });
        assert.equal(response.status, 400, query);
        assert.equal((await errorOf(response)).code, 'SHEETPIPE_ERR_SERVICE_BAD_REQUEST');
      }
      assert.equal((await fetch(`${server.url}/v1/exports`)).status, 401);

      // Reports: only those the token may run, with what a form needs.
      const reports = (await (await fetch(`${server.url}/v1/reports`, { headers: auth(ALICE) })).json()) as { reports: unknown[] };
      assert.deepEqual(reports.reports, [{
        name: 'orders', description: 'All orders', title: null, about: false, formats: ['xlsx', 'csv'], deliveries: [],
        sheets: [{ name: 'Orders', columns: null, table: false, title: null }],
        params: [{ name: 'min', type: 'integer', required: false, default: 0, description: 'smallest id' }],
      }]);
      const starResponse = await (await fetch(`${server.url}/v1/reports`, { headers: auth() })).text();
      const star = JSON.parse(starResponse) as { reports: { name: string; sheets: { name: string }[] }[] };
      assert.deepEqual(star.reports.map((report) => [report.name, report.sheets[0]?.name]), [['orders', 'Orders'], ['secret', 'orders'], ['book', 'Orders']]);
      // A multi-sheet report: its title, each sheet's presented columns, table and title lines (as written), the About sheet; xlsx only.
      assert.deepEqual(star.reports[2], {
        name: 'book', description: null, title: 'Order book', about: true, formats: ['xlsx'], deliveries: [],
        params: [{ name: 'min', type: 'integer', required: false, default: 1, description: null }],
        sheets: [
          {
            name: 'Orders', table: true, title: ['Order book since id {min}', 'Generated {generatedAt}'], columns: [
              { name: 'amount', header: 'Amount', format: { currency: 'EUR' }, decimals: null, hidden: false },
              { name: 'note', header: 'note', format: null, decimals: null, hidden: true },
            ],
          },
          { name: 'Summary', table: false, title: ['Totals'], columns: [{ name: 'total', header: 'total', format: 'decimal', decimals: 1, hidden: false }] },
          { name: 'Plain', table: false, title: null, columns: [] },
        ],
      });
      // Never the SQL, the source's URL or the path it names.
      for (const secret of ['select', 'from orders', 'sqlite:', 'demo.db', dir]) assert.ok(!starResponse.toLowerCase().includes(secret.toLowerCase()), secret);

      // Schedules: only of the token's reports, next run, last run and its job.
      const schedules = (await (await fetch(`${server.url}/v1/schedules`, { headers: auth(ALICE) })).json()) as { schedules: Record<string, any>[] };
      assert.equal(schedules.schedules.length, 1);
      const nightlySchedule = schedules.schedules[0] as Record<string, any>;
      assert.equal(nightlySchedule.name, 'nightly');
      assert.equal(nightlySchedule.nextRun.slice(11), '03:00:00.000Z');
      assert.ok(Date.parse(nightlySchedule.nextRun) > Date.now());
      assert.equal(nightlySchedule.lastRun.job.id, aliceExpected.find((job) => job.schedule === 'nightly')?.id);
      const bobSchedules = (await (await fetch(`${server.url}/v1/schedules`, { headers: auth(BOB) })).json()) as { schedules: { name: string }[] };
      assert.deepEqual(bobSchedules.schedules.map((schedule) => schedule.name), ['secret#1']);
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});
