/** `sheetpipe jobs list|show|schedules` against a real service on loopback, with the token in the environment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cliPath, finished as exited, repoRoot } from './run-cli.js';
import { makeSqliteOrders } from '../service/helpers/data.js';
import { TOKEN, finished, makeTempDir, postExport, removeDir, startServer, waitForJob, type JobJson } from '../service/helpers/server.js';

function jobs(args: string[], env: Record<string, string>): ReturnType<typeof exited> {
  return exited(spawn(process.execPath, [cliPath, 'jobs', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
}

test('jobs list pages through the API with the token of the environment; show and schedules print what an operator needs', { timeout: 120_000 }, async () => {
  const dir = await makeTempDir();
  try {
    makeSqliteOrders(join(dir, 'demo.db'), 5);
    const server = await startServer(dir, {
      sources: { demo: { url: 'sqlite:./demo.db' } },
      reports: { orders: { source: 'demo', table: 'orders' } },
      tokens: [{ token: TOKEN, reports: ['*'] }, { name: 'other', token: 'other-token', reports: ['orders'] }],
      schedules: [{ name: 'nightly', cron: '0 3 * * *', report: 'orders' }],
    });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const job = (await (await postExport(server.url, { report: 'orders', format: 'csv' })).json()) as JobJson;
        ids.push(job.id);
        await waitForJob(server.url, job.id, finished);
      }
      const env = { SHEETPIPE_TOKEN: TOKEN, SHEETPIPE_URL: server.url };
      const all = await jobs(['list', '--all', '--limit', '2', '--json'], env);
      assert.equal(all.code, 0, all.stderr);
      const listed = JSON.parse(all.stdout.toString()) as { exports: JobJson[]; next: string | null };
      assert.deepEqual(listed.exports.map((job) => job.id), [...ids].reverse(), 'every page followed, newest first');
      assert.equal(listed.next, null);

      const page = await jobs(['list', '--limit', '2', '--status', 'succeeded'], env);
      assert.equal(page.code, 0, page.stderr);
      const lines = page.stdout.toString().trim().split('\n');
      assert.match(lines[0] as string, /^CREATED\s+ID\s+REPORT\s+SCHEDULE\s+STATUS\s+ROWS\s+BYTES\s+DELIVERY$/);
      assert.equal(lines.length, 3);
      assert.ok(lines[1]?.includes(ids[2] as string) && lines[1].includes('succeeded'));
      assert.match(page.stderr, /^more: --cursor \S+ \(or --all\)$/m);

      // Another token sees none of these jobs: tenancy is the service's, not the CLI's.
      const other = await jobs(['list', '--json', '--token-env', 'OTHER'], { OTHER: 'other-token', SHEETPIPE_URL: server.url });
      assert.equal(other.code, 0, other.stderr);
      assert.deepEqual((JSON.parse(other.stdout.toString()) as { exports: unknown[] }).exports, []);

      const show = await jobs(['show', ids[0] as string], env);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout.toString(), new RegExp(`^id\\s+${ids[0]}$`, 'm'));
      assert.match(show.stdout.toString(), /^rows\s+5$/m);

      const schedules = await jobs(['schedules'], env);
      assert.equal(schedules.code, 0, schedules.stderr);
      assert.match(schedules.stdout.toString(), /^nightly\s+orders\s+0 3 \* \* \*\s+\S+T03:00:00\.000Z\s+-/m);

      const noToken = await jobs(['list'], { SHEETPIPE_URL: server.url, SHEETPIPE_TOKEN: '' });
      assert.equal(noToken.code, 2);
      assert.match(noToken.stderr, /SHEETPIPE_TOKEN/);
      const wrongToken = await jobs(['list'], { SHEETPIPE_URL: server.url, SHEETPIPE_TOKEN: 'nope' });
      assert.equal(wrongToken.code, 1);
      assert.match(wrongToken.stderr, /401.*SHEETPIPE_ERR_SERVICE_UNAUTHORIZED/);
      // A port that was free a moment ago: nothing listens there.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const closedPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      const unreachable = await jobs(['list'], { SHEETPIPE_URL: `http://127.0.0.1:${closedPort}`, SHEETPIPE_TOKEN: TOKEN });
      assert.equal(unreachable.code, 1, 'an unreachable service is a runtime failure, not a usage error');
      assert.match(unreachable.stderr, /cannot reach the service at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    } finally {
      await server.close();
    }
  } finally {
    await removeDir(dir);
  }
});
