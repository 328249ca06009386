/**
 * A file that appears whole or not at all: bytes go to `<dir>/.<name>.<random>.tmp` beside the target (same
 * directory, so the final rename is atomic), are fsynced when the stream ends, and the temp file is renamed over
 * the target only by commit(). discard() removes it and leaves any existing target untouched. Both the engine's
 * path targets and the pipeline's file sink write through this, so a failed or cancelled export never leaves a
 * partial file behind.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { SheetpipeError } from '../errors.js';
import { finishStream } from './finish-stream.js';
import { FirstFailure, type Output } from './output.js';

/** An Output (util/output.ts) that is a file appearing whole or not at all. */
export interface AtomicFile extends Output {
  /** Opens the temp file on construction; a failure to open destroys it with the output error. */
  readonly stream: Writable;
  /** The absolute target path. */
  readonly path: string;
  /** Settles once the temp file is open: rejects with SHEETPIPE_ERR_PIPELINE_OUTPUT naming the directory or target. */
  readonly opened: Promise<void>;
  /** Ends the stream (unless its writer did), fsyncs, and renames the temp file over the target; answers the path. */
  commit(): Promise<string>;
}

export interface AtomicFileOptions {
  /**
   * The temp file's name in the target's directory (default `.<name>.<random>.tmp`); a shared
   * directory names its writer in it (distributed/directory-storage.ts).
   */
  readonly tempName?: string;
  /** The stream's buffer (default 1 MiB). */
  readonly highWaterMark?: number;
}

function tempPathFor(path: string, tempName: string | undefined): string {
  return join(dirname(path), tempName ?? `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Starts writing `path` atomically; nothing is opened before the stream's construct step runs. */
export function createAtomicFile(path: string, options: AtomicFileOptions = {}): AtomicFile {
  return new TempFile(resolve(path), options);
}

class TempFile implements AtomicFile {
  readonly stream: Writable;
  readonly path: string;
  readonly opened: Promise<void>;
  #bytes = 0;
  readonly #failure = new FirstFailure();
  #handle: FileHandle | undefined;
  readonly #tempPath: string;

  constructor(path: string, options: AtomicFileOptions) {
    this.path = path;
    this.#tempPath = tempPathFor(path, options.tempName);
    this.opened = this.#open();
    // Observed here and through `stream`: an unread rejection must not crash the process.
    this.opened.catch(() => undefined);
    this.stream = new Writable({
      highWaterMark: options.highWaterMark ?? 1 << 20,
      construct: (callback) => {
        this.opened.then(() => callback(), callback);
      },
      write: (chunk: Buffer, _encoding, callback) => this.#write([chunk], callback),
      writev: (chunks, callback) => this.#write(chunks.map((entry) => entry.chunk as Buffer), callback),
      // fsync before the rename, so a crash right after a "successful" export cannot leave an empty file.
      final: (callback) => {
        this.#handle!.sync().then(() => callback(), (error: unknown) => callback(outputError(this.path, describe(error), error)));
      },
    });
    this.stream.on('error', (error) => this.#failure.fail(error));
  }

  get bytes(): number {
    return this.#bytes;
  }

  onFailure(listener: (error: Error) => void): void {
    this.#failure.onFailure(listener);
  }

  /** A commit that fails (fsync, rename) discards: no temp file is left behind, whoever the caller. */
  async commit(): Promise<string> {
    try {
      if (this.#failure.error) throw this.#failure.error;
      await finishStream(this.stream);
      await this.#handle!.close();
      await rename(this.#tempPath, this.path).catch((error: unknown) => {
        throw outputError(this.path, describe(error), error);
      });
    } catch (error) {
      await this.discard();
      throw error;
    }
    return this.path;
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    await this.opened.catch(() => undefined);
    await this.#handle?.close().catch(() => undefined);
    await unlink(this.#tempPath).catch(() => undefined);
  }

  async #open(): Promise<void> {
    const existing = await stat(this.path).catch(() => undefined);
    if (existing?.isDirectory()) throw outputError(this.path, 'it is a directory');
    try {
      this.#handle = await open(this.#tempPath, 'wx');
    } catch (error) {
      throw outputError(this.path, `directory ${dirname(this.path)} ${describe(error)}`, error);
    }
  }

  #write(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    writeAll(this.#handle!, buffers).then(
      (bytes) => {
        this.#bytes += bytes;
        callback();
      },
      (error: unknown) => callback(outputError(this.path, describe(error), error)),
    );
  }
}

/** Writes every byte of `buffers`, continuing after a partial write. */
async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<number> {
  let total = 0;
  for (const buffer of buffers) total += buffer.length;
  let done = 0;
  while (done < total) {
    const { bytesWritten } = await handle.writev(done === 0 ? buffers : remainder(buffers, done));
    done += bytesWritten;
  }
  return total;
}

function remainder(buffers: Buffer[], skip: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (skip >= buffer.length) skip -= buffer.length;
    else {
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
  }
  return rest;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'is not writable';
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** SHEETPIPE_ERR_PIPELINE_OUTPUT for `target`, caused by `error`, its reason said plainly (`is not writable`) where the errno allows. */
export function outputErrorOf(target: string, error: unknown): SheetpipeError {
  return outputError(target, describe(error), error);
}

function outputError(target: string, reason: string, cause?: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [target, reason], { cause });
}
