/**
 * 200 aborts at random points of running exports, in a child process so that a native abort of the process
 * (Node 24: a worker terminated mid-deflate, node_zlib.cc "close before init") fails this test by its exit code.
 * CI runs the suite on Node 20 and 24; the child runs on the same Node as the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HAMMER = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'abort-hammer.js');

test('200 aborts at random points of running exports: the process survives them all and no thread is left', { timeout: 300_000 }, async () => {
  const seed = Math.floor(Math.random() * 2 ** 31);
  const child = spawn(process.execPath, [HAMMER, '200', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  assert.equal(signal, null, `the hammer died by ${signal} (seed ${seed}):\n${output}`);
  assert.equal(code, 0, `seed ${seed}:\n${output}`);
  const match = /survived (\d+) aborts \(seed \d+\), threads (\d+)\/(\d+)/.exec(output);
  assert.ok(match, output);
  assert.equal(match[1], '200');
  assert.equal(match[2], match[3], `threads left over: ${output}`);
});
