import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { SheetpipeError } from '../errors.js';
import { endSink } from './sink.js';

/**
 * Where bytes go. A path is written as a temp file beside the target (same directory, so the final rename is
 * atomic), flushed to disk on close and renamed only on success; a failed or cancelled write removes it and leaves
 * any existing target untouched. A caller's Writable is ended on success and destroyed on failure.
 */
export interface OutputTarget {
  readonly stream: Writable;
  /** Final path, for path targets. */
  readonly path: string | undefined;
  commit(): Promise<void>;
  discard(reason: unknown): Promise<void>;
}

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export function openOutputTarget(target: string | Writable): OutputTarget {
  return typeof target === 'string' ? fileTarget(target) : streamTarget(target);
}

function fileTarget(path: string): OutputTarget {
  const temp = tempPathFor(path);
  // `flush: true` fsyncs before close, so a renamed file is on disk, not only in the page cache.
  const stream = createWriteStream(temp, { flags: 'wx', flush: true, highWaterMark: 1024 * 1024 });
  let openError: Error | undefined;
  stream.on('error', (error) => {
    openError ??= error;
  });
  return {
    stream,
    path,
    async commit() {
      if (openError) throw outputError(path, openError);
      await endSink(stream).catch((error: unknown) => {
        throw outputError(path, error);
      });
      await finished(stream).catch(() => undefined);
      await rename(temp, path).catch((error: unknown) => {
        throw outputError(path, error);
      });
    },
    async discard() {
      stream.destroy();
      await finished(stream).catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    },
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

function outputError(path: string, cause: unknown): SheetpipeError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [path, message], { cause });
}
