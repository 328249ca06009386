/**
 * The storage filesystem fills up during an export (an 8 MB tmpfs mounted over storage.dir): the job fails cleanly,
 * the process keeps answering, new exports are refused while free space is below the refuse watermark, and
 * accepted again once space returns. Needs root (mount); skipped with the reason otherwise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PG_URL, until } from './helpers/data.js';
import { startChildServer, type ChildServer } from './helpers/child.js';
import { TOKEN, auth, makeTempDir, postExport, removeDir, waitForJob, finished, type JobJson } from './helpers/server.js';

const MB = 1024 * 1024;
let dir = '';
let storage = '';
let mountError: string | undefined;
let child: ChildServer | undefined;

before(async () => {
  dir = await makeTempDir('sheetpipe-diskfull-');
  storage = join(dir, 'exports');
  await mkdir(storage);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', storage], { stdio: 'pipe' });
  } catch (error) {
    mountError = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
  }
});

after(async () => {
  if (child && child.child.exitCode === null) {
    child.child.kill('SIGKILL');
    await child.exited;
  }
  if (mountError === undefined) execFileSync('umount', [storage]);
  await removeDir(dir);
});

async function freeBytes(): Promise<number> {
  const stats = await statfs(storage);
  return stats.bavail * stats.bsize;
}

test('a full storage filesystem fails the job, not the process; exports are refused until space returns', async (t) => {
  if (mountError !== undefined) {
    t.skip(`cannot mount a tmpfs (needs root): ${mountError}`);
    return;
  }
  // ~28 MB of CSV: far more than the 8 MB filesystem holds.
  const big = "select g as id, repeat(md5(g::text), 4) as text from generate_series(1, 200000) g";
  child = await startChildServer(dir, {
    sources: { pg: { url: PG_URL } },
    reports: { big: { source: 'pg', query: big }, small: { source: 'pg', query: 'select g as id from generate_series(1, 10) g' } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
    limits: { concurrentExports: 1 },
    admission: { diskFreeQueueMb: 2, diskFreeRefuseMb: 1 },
  });
  const { url } = child;

  const job = (await (await postExport(url, { report: 'big', format: 'csv' })).json()) as JobJson;
  const failed = await waitForJob(url, job.id, finished, 60_000);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error?.code, 'SHEETPIPE_ERR_PIPELINE_OUTPUT', JSON.stringify(failed.error));
  // Clients get the message in their terms, without the storage path (docs/security.md); ENOSPC is in the log.
  assert.equal(failed.error?.message, 'the export could not be written to storage');
  assert.equal(child.child.exitCode, null, 'the process lives');
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.deepEqual((await readdir(join(storage, 'files'))).filter((name) => name.includes(job.id)), [], 'no partial file left');

  // The failed export's temp file is unlinked at once, but its space returns only when its descriptor closes (with
  // the export's thread): wait for that, or the ballast below would be sized against space about to come back.
  await until(async () => (await freeBytes()) > 6 * MB, 15_000, 'the failed export\'s space to return');
  // Fill the filesystem to below the refuse watermark (1 MB) and wait for admission to see it.
  const ballast = join(storage, 'ballast');
  await writeFile(ballast, Buffer.alloc(Math.max(0, (await freeBytes()) - MB / 2)));
  assert.ok((await freeBytes()) < MB, `free: ${await freeBytes()}`);
  let ready = { status: '', reason: '', measures: { diskFreeBytes: NaN } };
  await until(async () => {
    ready = (await (await fetch(`${url}/readyz`)).json()) as typeof ready;
    return ready.status === 'shedding';
  }, 5_000, '/readyz to report shedding');
  assert.equal(ready.status, 'shedding');
  assert.match(ready.reason, /storage free space \d+ MB is below the refuse watermark 1 MB/);
  assert.ok(ready.measures.diskFreeBytes < MB);
  const refused = await postExport(url, { report: 'small', format: 'csv' });
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'SHEETPIPE_ERR_SERVICE_OVERLOADED');
  assert.ok(refused.headers.get('retry-after'));
  // Writes to the job store may now fail too (SQLITE_FULL): an answer either way, never a crash.
  const deleted = await fetch(`${url}/v1/exports/${job.id}`, { method: 'DELETE', headers: auth() });
  assert.ok([200, 507].includes(deleted.status), `DELETE answered ${deleted.status}`);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal(child.child.exitCode, null);

  await rm(ballast);
  await until(async () => (await fetch(`${url}/readyz`)).status === 200, 5_000, '/readyz to report ready again');
  const accepted = await postExport(url, { report: 'small', format: 'csv' });
  assert.equal(accepted.status, 202);
  const done = await waitForJob(url, ((await accepted.json()) as JobJson).id, finished, 30_000);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  assert.equal(done.rows, 10);

  child.child.kill('SIGTERM');
  assert.equal(await child.exited, 0, child.output());
});
