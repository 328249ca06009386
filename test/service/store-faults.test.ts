/** The embedded queue when its job store refuses writes (SQLITE_FULL): jobs fail or keep their state, nothing escapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSheetpipeError } from '../../src/errors.js';
import { JobFiles } from '../../src/service/jobs/files.js';
import { JobStore } from '../../src/service/jobs/job-store.js';
import { LocalJobQueue } from '../../src/service/jobs/local-queue.js';
import { ExportSlots } from '../../src/service/jobs/slots.js';
import type { JobRecord, JobRequest } from '../../src/service/jobs/types.js';
import { until } from './helpers/data.js';
import { makeTempDir, removeDir } from './helpers/server.js';

/** The real store, with a switch that makes its writes fail as SQLite does on a full disk. */
class FillingStore extends JobStore {
  full = { insert: false, update: false };
  readonly #error = (): Error => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  override insert(job: JobRecord): void {
    if (this.full.insert) throw this.#error();
    super.insert(job);
  }
  override update(job: JobRecord): void {
    if (this.full.update) throw this.#error();
    super.update(job);
  }
}

const request: JobRequest = {
  report: 'r', source: null, query: null, params: {}, format: 'csv', filename: null, origin: 'api', trace: null,
} as unknown as JobRequest;

test('store write errors never escape: insert → 507 error, start → job failed, finish → logged, process lives', async () => {
  const dir = await makeTempDir('sheetpipe-store-');
  const escaped: unknown[] = [];
  const onEscape = (error: unknown): void => void escaped.push(error);
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  const store = new FillingStore(dir);
  const logged: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (_: object, message?: string) => void logged.push(message ?? '') };
  let finishRun: (() => void) | undefined;
  const queue = new LocalJobQueue({
    store, files: new JobFiles(dir), slots: new ExportSlots(1), log, queueLength: 10, retentionMs: 3_600_000,
    gate: { mayStart: () => true, onChange: () => () => undefined },
    runner: { run: () => new Promise((resolve) => (finishRun = () => resolve({ rows: 3, bytes: 10 }))) },
  });
  try {
    await queue.start();

    store.full.insert = true;
    await assert.rejects(queue.enqueue(request), (error) => {
      assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_STORAGE_WRITE'));
      assert.equal(error.status, 507);
      assert.match(error.message, /storage \(recording a new export\): database or disk is full/);
      return true;
    });
    assert.deepEqual(queue.counts(), { waiting: 0, running: 0 }, 'nothing half-accepted');
    store.full.insert = false;

    // The start cannot be recorded: the job fails with a clear error instead of running unrecorded.
    store.full.update = true;
    const failed = await queue.enqueue(request);
    const record = await queue.get(failed.id);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.error?.code, 'SHEETPIPE_ERR_SERVICE_STORAGE_WRITE');
    assert.match(record?.error?.message ?? '', /storage \(recording the start of an export\): database or disk is full/);
    assert.deepEqual(queue.counts(), { waiting: 0, running: 0 }, 'the slot is free again');
    store.full.update = false;

    // The end cannot be recorded: the export's outcome stays in memory, the error is logged.
    const job = await queue.enqueue(request);
    assert.equal((await queue.get(job.id))?.status, 'running');
    store.full.update = true;
    finishRun?.();
    await until(async () => (await queue.get(job.id))?.status === 'succeeded', 5_000, 'the job to end');
    assert.ok(logged.some((line) => /could not record/.test(line)), logged.join('\n'));
    store.full.update = false;

    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(escaped, [], 'no rejection or exception escaped');
  } finally {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
    await queue.close(0);
    store.close();
    await removeDir(dir);
  }
});
