import type { Writable } from 'node:stream';
import { createAtomicFile } from '../util/atomic-file.js';
import type { Output } from '../util/output.js';
import { endSink } from './sink.js';

/**
 * Where the engine's bytes go: the part of an Output (util/output.ts) it uses. A path is the atomic file
 * itself (util/atomic-file.ts): a temp file beside the target, fsynced and renamed only on success, removed on
 * failure. A caller's Writable is ended on success and destroyed on failure (the engine owns no listener on it).
 */
export interface OutputTarget extends Pick<Output, 'stream' | 'commit'> {
  /** Final path, for path targets. */
  readonly path: string | undefined;
  discard(reason: unknown): Promise<void>;
}

export function openOutputTarget(target: string | Writable): OutputTarget {
  return typeof target === 'string' ? createAtomicFile(target) : streamTarget(target);
}



function streamTarget(stream: Writable): OutputTarget {
  stream.on('error', () => {
    // Recorded by the stream itself (stream.errored); writes reject with it.
  });
  return {
    stream,
    path: undefined,
    async commit() {
      await endSink(stream);
      return undefined;
    },
    async discard(reason) {
      if (!stream.destroyed) stream.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
  };
}
