import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { openFileSink } from '../../src/pipeline/sinks/file-sink.js';
import { openStreamSink } from '../../src/util/stream-output.js';
import { isSheetpipeError } from '../../src/errors.js';
import { tempDir, unwritableDir } from './fixtures.js';

function write(stream: Writable, data: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (error) => (error ? reject(error) : resolve())));
}

test('file sink writes a hidden temp file beside the target and renames it on commit', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'report.csv');
  const sink = await openFileSink(target);
  await write(sink.stream, 'hello ');
  const [temp] = readdirSync(dir);
  assert.match(temp ?? '', /^\.report\.csv\.[0-9a-f]{12}\.tmp$/);
  await write(sink.stream, 'world');
  sink.stream.end();
  assert.equal(await sink.commit(), target);
  assert.deepEqual(readdirSync(dir), ['report.csv']);
  assert.equal(readFileSync(target, 'utf8'), 'hello world');
  assert.equal(sink.bytes, 11);
});

test('file sink discard removes the temp file and leaves an existing target untouched', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'report.xlsx');
  writeFileSync(target, 'previous version');
  const sink = await openFileSink(target);
  await write(sink.stream, 'half a file');
  await sink.discard();
  assert.deepEqual(readdirSync(dir), ['report.xlsx']);
  assert.equal(readFileSync(target, 'utf8'), 'previous version');
});

test('file sink commit ends the stream itself when the writer did not', async (t) => {
  const dir = tempDir(t);
  const target = join(dir, 'out.csv');
  const sink = await openFileSink(target);
  await write(sink.stream, 'abc');
  await sink.commit();
  assert.equal(readFileSync(target, 'utf8'), 'abc');
});

test('an unwritable directory is SHEETPIPE_ERR_PIPELINE_OUTPUT naming the directory', async (t) => {
  const locked = unwritableDir(tempDir(t));
  await assert.rejects(openFileSink(join(locked, 'x.xlsx')), (error) => {
    assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
    assert.match(error.message, new RegExp(`directory ${locked} is not writable`));
    return true;
  });
});

test('a missing directory and a directory as target are named', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(openFileSink(join(dir, 'nope', 'x.csv')), /directory .*nope does not exist/);
  await assert.rejects(openFileSink(dir), (error) => isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT') && /it is a directory/.test(error.message));
});

test('stream sink forwards bytes, waits for the destination, and ends it exactly once', async () => {
  let ends = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const received: Buffer[] = [];
  const destination = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        callback();
      }, 1);
    },
    final(callback) {
      ends++;
      callback();
    },
  });
  const sink = openStreamSink(destination, 'test destination');
  for (let i = 0; i < 10; i++) sink.stream.write(Buffer.from(`chunk${i};`));
  sink.stream.end();
  await sink.commit();
  assert.equal(Buffer.concat(received).toString(), Array.from({ length: 10 }, (_, i) => `chunk${i};`).join(''));
  assert.equal(maxInFlight, 1, 'one chunk in flight: the destination never holds a chunk its producer may reuse');
  assert.equal(ends, 1);
  assert.equal(destination.writableFinished, true);
  assert.equal(sink.bytes, 70);
});

test('stream sink: a destination that goes away fails the export with an output error', async () => {
  const destination = new PassThrough();
  const sink = openStreamSink(destination, 'the HTTP response');
  const failure = new Promise<Error>((resolve) => sink.onFailure(resolve));
  destination.destroy();
  const error = await failure;
  assert.ok(isSheetpipeError(error, 'SHEETPIPE_ERR_PIPELINE_OUTPUT'));
  assert.match(error.message, /the HTTP response: the destination closed before the file was complete/);
});

test('stream sink discard leaves the caller stream open for its owner', async () => {
  const destination = new PassThrough();
  const sink = openStreamSink(destination);
  await write(sink.stream, 'partial');
  await sink.discard();
  assert.equal(destination.destroyed, false);
  assert.equal(destination.writableEnded, false);
});
