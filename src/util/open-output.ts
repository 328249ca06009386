import type { Writable } from 'node:stream';
import { createAtomicFile } from './atomic-file.js';
import type { Output } from './output.js';
import { openStreamSink } from './stream-output.js';

/**
 * The engine's target as an Output: a path is an atomic file (temp file beside it, fsynced and renamed only
 * on success, removed on failure); a caller's Writable is ended on success and destroyed on failure.
 */
export function openOutput(target: string | Writable): Output {
  return typeof target === 'string' ? createAtomicFile(target) : openStreamSink(target, 'stream', true);
}
