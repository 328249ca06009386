/** One instance per storage directory: the lock file, its takeover rules, and two real `serve` processes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSheetpipeError } from '../../src/errors.js';
import { LOCK_NAME, StorageLock, isStale } from '../../src/service/storage-lock.js';
import { PG_URL, until } from './helpers/data.js';
import { startChildServer } from './helpers/child.js';
import { TOKEN, auth, makeTempDir, postExport, removeDir, waitForJob, writeConfig, type JobJson } from './helpers/server.js';

const SERVE_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'serve-process.js');

test('isStale: only a provably dead owner on this host (or an earlier boot) is stale', () => {
  const here = { host: 'h1', bootId: 'b1', pid: 100 };
  const owner = { pid: 42, host: 'h1', startedAt: 't', bootId: 'b1' };
  assert.equal(isStale(owner, here, () => true), false, 'live pid on this host');
  assert.equal(isStale(owner, here, () => false), true, 'dead pid on this host');
  assert.equal(isStale({ ...owner, host: 'h2' }, here, () => false), false, 'another host cannot be checked');
  assert.equal(isStale({ ...owner, bootId: 'b0' }, here, () => true), true, 'an earlier boot');
  assert.equal(isStale({ ...owner, pid: 100 }, here, () => true), true, 'our own pid (a restarted container) is not another owner');
});

test('the lock is exclusive in-process, released on release(), and a dead owner\'s lock is taken over', async () => {
  const dir = await makeTempDir('sheetpipe-lock-');
  try {
    const first = await StorageLock.acquire(dir);
    const content = JSON.parse(await readFile(join(dir, LOCK_NAME), 'utf8')) as Record<string, unknown>;
    assert.equal(content.pid, process.pid);
    assert.equal(content.host, hostname());
    await assert.rejects(StorageLock.acquire(dir), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_STORAGE_LOCKED') && error.exitCode === 2);
    await first.release();
    assert.deepEqual(await readdir(dir), [], 'no lock and no temp file left');

    // A pid that cannot be alive (above Linux's pid_max) on this host: stale.
    await writeFile(join(dir, LOCK_NAME), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), startedAt: 'earlier', bootId: '' }));
    const taken = await StorageLock.acquire(dir);
    assert.equal(JSON.parse(await readFile(join(dir, LOCK_NAME), 'utf8')).pid, process.pid);
    await taken.release();

    // Another host: refused, and the message names the owner and the file to remove.
    await writeFile(join(dir, LOCK_NAME), JSON.stringify({ pid: 7, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z', bootId: 'x' }));
    await assert.rejects(StorageLock.acquire(dir), (error: Error) => {
      assert.match(error.message, /pid 7 on host elsewhere \(started 2026-01-01T00:00:00.000Z\)/);
      assert.ok(error.message.includes(join(dir, LOCK_NAME)));
      return true;
    });
  } finally {
    await removeDir(dir);
  }
});

test('a second serve on the same storage exits 2 naming the first, whose running job then succeeds', async () => {
  const dir = await makeTempDir();
  // 20,000 rows that trickle out over a few seconds (a short sleep every 1,000 rows): the job is running, with its
  // temp file on disk, while the second instance starts.
  const query = "select g as id, md5(g::text) as hash from generate_series(1, 20000) g where g % 1000 <> 0 or pg_sleep(0.3)::text = ''";
  const config = {
    sources: { pg: { url: PG_URL } },
    reports: { trickle: { source: 'pg', query } },
    tokens: [{ token: TOKEN, reports: ['*'] }],
  };
  const first = await startChildServer(dir, config);
  try {
    const job = (await (await postExport(first.url, { report: 'trickle', format: 'csv' })).json()) as JobJson;
    const filesDir = join(dir, 'exports', 'files');
    await until(async () => (await readdir(filesDir).catch(() => [])).some((name) => name.endsWith('.tmp')), 15_000, 'the first job\'s temp file');

    // The second instance: same config, so same storage; even its port is taken (the first's), as in the issue.
    const port = new URL(first.url).port;
    const file = await writeConfig(dir, config);
    const second = spawn(process.execPath, [SERVE_ENTRY, '--config', file, '--port', port], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    second.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    assert.equal(code, 2, output);
    const pid = first.child.pid as number;
    assert.match(output, new RegExp(`in use by pid ${pid} on host ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(started \\d{4}-`), output);

    const done = await waitForJob(first.url, job.id, (j) => j.status !== 'queued' && j.status !== 'running', 60_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.rows, 20_000);
    const download = await fetch(`${first.url}/v1/exports/${job.id}/file`, { headers: auth() });
    assert.equal(download.status, 200);
    assert.equal((await download.text()).trim().split('\n').length, 20_001, 'header and every row');
  } finally {
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    await removeDir(dir);
  }
});

test('after the owner stopped, the next instance takes the directory', async () => {
  const dir = await makeTempDir();
  const config = { sources: { pg: { url: PG_URL } }, reports: { one: { source: 'pg', query: 'select 1 as one' } }, tokens: [{ token: TOKEN, reports: ['*'] }] };
  try {
    const first = await startChildServer(dir, config);
    first.child.kill('SIGKILL'); // dies without releasing: the lock is stale
    await first.exited;
    const second = await startChildServer(dir, config);
    const lock = JSON.parse(await readFile(join(dir, 'exports', LOCK_NAME), 'utf8')) as { pid: number };
    assert.equal(lock.pid, second.child.pid);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
    await assert.rejects(readFile(join(dir, 'exports', LOCK_NAME)), /ENOENT/, 'a clean shutdown releases the lock');
  } finally {
    await removeDir(dir);
  }
});
