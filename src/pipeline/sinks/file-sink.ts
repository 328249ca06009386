/**
 * File output: bytes go to `<dir>/.<name>.<random>.tmp` beside the target, are fsynced, and the
 * temp file is renamed over the target only on success, so a failed or cancelled export never
 * leaves a partial file and never touches an existing target.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { SheetpipeError } from '../../errors.js';
import { finishStream } from './finish.js';
import type { Sink } from './sink.js';

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

function outputError(target: string, reason: string, cause?: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [target, reason], { cause });
}

class FileSink implements Sink {
  readonly stream: Writable;
  #bytes = 0;
  #failure: Error | undefined;
  #listeners: ((error: Error) => void)[] = [];
  readonly #handle: FileHandle;
  readonly #target: string;
  readonly #tempPath: string;

  constructor(handle: FileHandle, target: string, tempPath: string) {
    this.#handle = handle;
    this.#target = target;
    this.#tempPath = tempPath;
    const write = (buffers: Buffer[], callback: (error?: Error | null) => void): void => {
      writeAll(handle, buffers).then(
        (bytes) => {
          this.#bytes += bytes;
          callback();
        },
        (error: unknown) => callback(outputError(target, describe(error), error)),
      );
    };
    this.stream = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _encoding, callback) => write([chunk], callback),
      writev: (chunks, callback) => write(chunks.map((entry) => entry.chunk as Buffer), callback),
      // fsync before the rename, so a crash right after a "successful" export cannot leave an empty file.
      final: (callback) => {
        handle.sync().then(() => callback(), (error: unknown) => callback(outputError(target, describe(error), error)));
      },
    });
    this.stream.on('error', (error) => {
      this.#failure ??= error;
      for (const listener of this.#listeners) listener(error);
    });
  }

  get bytes(): number {
    return this.#bytes;
  }

  onFailure(listener: (error: Error) => void): void {
    if (this.#failure) listener(this.#failure);
    else this.#listeners.push(listener);
  }

  async commit(): Promise<string> {
    if (this.#failure) throw this.#failure;
    await finishStream(this.stream);
    await this.#handle.close();
    try {
      await rename(this.#tempPath, this.#target);
    } catch (error) {
      await unlink(this.#tempPath).catch(() => undefined);
      throw outputError(this.#target, describe(error), error);
    }
    return this.#target;
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    await this.#handle.close().catch(() => undefined);
    await unlink(this.#tempPath).catch(() => undefined);
  }
}

/**
 * Opens a temp file beside `path`. Fails with SHEETPIPE_ERR_PIPELINE_OUTPUT naming the directory
 * when it is missing or not writable, or naming the target when it is a directory.
 */
export async function openFileSink(path: string): Promise<Sink> {
  const target = resolve(path);
  const dir = dirname(target);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw outputError(target, 'it is a directory');
  const tempPath = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(tempPath, 'wx');
  } catch (error) {
    throw outputError(target, `directory ${dir} ${describe(error)}`, error);
  }
  return new FileSink(handle, target, tempPath);
}
