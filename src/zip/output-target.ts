import type { Writable } from 'node:stream';
import { createAtomicFile } from '../util/atomic-file.js';
import { endSink } from './sink.js';

/**
 * Where bytes go. A path is an atomic file (util/atomic-file.ts): a temp file beside the target, fsynced and
 * renamed only on success, removed on failure. A caller's Writable is ended on success and destroyed on failure.
 */
export interface OutputTarget {
  readonly stream: Writable;
  /** Final path, for path targets. */
  readonly path: string | undefined;
  commit(): Promise<void>;
  discard(reason: unknown): Promise<void>;
}

export function openOutputTarget(target: string | Writable): OutputTarget {
  return typeof target === 'string' ? fileTarget(target) : streamTarget(target);
}

function fileTarget(path: string): OutputTarget {
  const file = createAtomicFile(path);
  return {
    stream: file.stream,
    path: file.path,
    async commit() {
      await file.commit();
    },
    discard: () => file.discard(),
  };
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
    },
    async discard(reason) {
      if (!stream.destroyed) stream.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    },
  };
}
