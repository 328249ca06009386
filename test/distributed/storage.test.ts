import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSheetpipeError } from '../../src/errors.js';
import { DirectoryStorage, isAbandoned } from '../../src/service/distributed/directory-storage.js';
import { isStorage } from '../../src/service/distributed/storage.js';
import { JobFiles } from '../../src/service/jobs/files.js';
import { storagePath } from '../../src/service/jobs/storage-path.js';

async function withDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-storage-'));
  try {
    await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

test('an upload is invisible until commit, then replaces the old file under its key', async () => {
  await withDir(async (dir) => {
    const storage = new DirectoryStorage(join(dir, 'files'), 'host-1');
    assert.ok(isStorage(storage));
    const first = await storage.create('job.xlsx');
    await write(first.stream, 'old');
    // The one Output interface (util/output.ts): commit makes it final, `bytes` is its size.
    await first.commit();
    assert.equal(first.bytes, 3);
    const second = await storage.create('job.xlsx');
    await write(second.stream, 'new bytes');
    const [temp, ...others] = (await readdir(join(dir, 'files'))).sort();
    assert.match(temp ?? '', /^\.job\.xlsx\.host-1-[0-9a-f]{8}\.tmp$/, 'the temp file names its key and writer');
    assert.deepEqual(others, ['job.xlsx']);
    assert.equal(await readFile(join(dir, 'files', 'job.xlsx'), 'utf8'), 'old', 'the old file stays until the new one is committed');
    second.stream.end();
    await second.commit();
    assert.equal(second.bytes, 9);
    assert.equal(await readFile(join(dir, 'files', 'job.xlsx'), 'utf8'), 'new bytes');
    assert.deepEqual(await readdir(join(dir, 'files')), ['job.xlsx'], 'one file, no temp file');
  });
});

test('discard drops the temp file; removePartial removes what another writer left; remove deletes the object', async () => {
  await withDir(async (dir) => {
    const storage = new DirectoryStorage(dir, 'host:2');
    const upload = await storage.create('a.csv');
    await write(upload.stream, 'partial');
    await upload.discard();
    assert.deepEqual(await readdir(dir), []);

    await writeFile(join(dir, '.a.csv.deadhost-77-0a0b.tmp'), 'left by a killed worker');
    // Another host's writer cannot be checked: its file is abandoned once untouched for staleMs (15 min).
    const old = new Date(Date.now() - 16 * 60_000);
    await utimes(join(dir, '.a.csv.deadhost-77-0a0b.tmp'), old, old);
    await writeFile(join(dir, '.ab.csv.other-1-0c0d.tmp'), 'another key');
    await writeFile(join(dir, 'a.csv'), 'finished');
    assert.equal(await storage.removePartial('a.csv'), 1);
    assert.deepEqual((await readdir(dir)).sort(), ['.ab.csv.other-1-0c0d.tmp', 'a.csv']);
    await storage.remove('a.csv');
    await storage.remove('a.csv');
    assert.deepEqual(await readdir(dir), ['.ab.csv.other-1-0c0d.tmp']);
  });
});

test('keys are plain file names, and an unwritable directory is an output error', async () => {
  await withDir(async (dir) => {
    const storage = new DirectoryStorage(dir);
    for (const key of ['../escape.xlsx', 'a/b.xlsx', '.hidden', '']) {
      await assert.rejects(storage.create(key), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
    }
    await writeFile(join(dir, 'not-a-dir'), '');
    const blocked = new DirectoryStorage(join(dir, 'not-a-dir', 'files'));
    await assert.rejects(blocked.create('x.xlsx'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
  });
});

test('every storage path stays inside storage: JobFiles (the file route) and the directory storage share one check', () => {
  const dir = join(tmpdir(), 'sheetpipe-storage-keys');
  const files = new JobFiles(dir);
  const id = '3f8e2a1c-0b4d-4c6e-9a7f-1d2e3f4a5b6c';
  assert.equal(files.pathOf(id, 'xlsx'), join(dir, 'files', `${id}.xlsx`));
  const tampered = ['x/../../../../etc/hostname', '../../etc/hostname', '/etc/hostname', 'a\u0000b', '..', '.'];
  for (const format of tampered) {
    assert.throws(() => files.pathOf(id, format as 'xlsx'), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'), format);
  }
  for (const key of [...tampered, `${id}.xlsx/..`, 'a..b', '']) {
    assert.throws(() => storagePath(dir, key), (error: unknown) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'), JSON.stringify(key));
  }
  assert.equal(storagePath(dir, `${id}.csv`), join(dir, `${id}.csv`));
});

test('removePartial never touches a live writer\'s temp file: same host live pid, or another host writing recently', async () => {
  await withDir(async (dir) => {
    const storage = new DirectoryStorage(dir);
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
    // A live writer on this host: the parent of this test process (the test runner) is certainly alive.
    const live = `.k.xlsx.${host}-${process.ppid}-0a0b0c0d.tmp`;
    // A dead writer on this host: a pid above Linux's pid_max.
    const dead = `.k.xlsx.${host}-${2 ** 22 + 1}-0a0b0c0d.tmp`;
    const remote = '.k.xlsx.otherhost-12-0a0b0c0d.tmp';
    for (const name of [live, dead, remote]) await writeFile(join(dir, name), 'x');
    assert.equal(await storage.removePartial('k.xlsx'), 1);
    assert.deepEqual((await readdir(dir)).sort(), [live, remote].sort());
    // Our own writer's leftovers (a crashed export thread of this process) go.
    const own = `.k.xlsx.${storage.writer}-0a0b0c0d.tmp`;
    await writeFile(join(dir, own), 'x');
    assert.equal(await storage.removePartial('k.xlsx'), 1);
    assert.deepEqual((await readdir(dir)).sort(), [live, remote].sort());
  });
});

test('isAbandoned: the rules', () => {
  const here = { writer: 'h1-10', host: 'h1', ageMs: 0, staleMs: 1000 };
  assert.equal(isAbandoned('h1-10', here, () => true), true, 'this process');
  assert.equal(isAbandoned('h1-11', here, () => true), false, 'live pid, this host');
  assert.equal(isAbandoned('h1-11', here, () => false), true, 'dead pid, this host');
  assert.equal(isAbandoned('h2-11', here, () => false), false, 'another host, recent');
  assert.equal(isAbandoned('h2-11', { ...here, ageMs: 1000 }, () => true), true, 'another host, untouched for staleMs');
});
