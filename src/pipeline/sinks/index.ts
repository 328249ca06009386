import type { Writable } from 'node:stream';
import { openFileSink } from './file-sink.js';
import { openStreamSink } from '../../util/stream-output.js';
import type { Output } from '../../util/output.js';

/** `-` is standard output, a string is a file path, anything else a caller's Writable. */
export async function openSink(out: string | Writable): Promise<Output> {
  if (out === '-') return openStreamSink(process.stdout, 'standard output');
  if (typeof out === 'string') return openFileSink(out);
  return openStreamSink(out);
}
