/**
 * The default Storage: a directory, typically a shared mount (NFS) that the API and every
 * worker see at the same path. A file is written as `.<key>.<writer>-<random>.tmp` beside its
 * final name, fsynced, and renamed over `<key>` on commit, so a reader never sees a partial
 * file; `<writer>` (host-pid) tells an operator whose temp file it is.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { SheetpipeError } from '../../errors.js';
import { storagePath } from '../jobs/storage-path.js';
import type { Storage, StorageUpload } from './storage.js';

function outputError(target: string, error: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [target, (error as Error).message ?? String(error)], { cause: error });
}

async function closed(stream: WriteStream): Promise<void> {
  if (!stream.closed) await once(stream, 'close').catch(() => undefined);
}

class DirectoryUpload implements StorageUpload {
  readonly stream: WriteStream;
  readonly #temp: string;
  readonly #target: string;

  constructor(stream: WriteStream, temp: string, target: string) {
    this.stream = stream;
    this.#temp = temp;
    this.#target = target;
  }

  async commit(): Promise<number> {
    try {
      if (!this.stream.writableEnded) this.stream.end();
      await finished(this.stream);
      // `flush: true` fsyncs before the descriptor closes: wait for that before the rename.
      await closed(this.stream);
      await rename(this.#temp, this.#target);
    } catch (error) {
      await this.discard();
      throw outputError(this.#target, error);
    }
    return this.stream.bytesWritten;
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    await closed(this.stream);
    await rm(this.#temp, { force: true });
  }
}

export class DirectoryStorage implements Storage {
  readonly dir: string;
  /** Names this process in temp file names. */
  readonly writer: string;
  #ready: Promise<unknown> | undefined;

  /** `writer` names this process in temp file names (default `<host>-<pid>`). */
  constructor(dir: string, writer = `${hostname()}-${process.pid}`) {
    this.dir = dir;
    this.writer = writer.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  async create(key: string): Promise<StorageUpload> {
    const target = this.#path(key);
    this.#ready ??= mkdir(this.dir, { recursive: true });
    await this.#ready.catch((error: unknown) => {
      this.#ready = undefined;
      throw outputError(this.dir, error);
    });
    const temp = join(this.dir, `.${key}.${this.writer}-${randomBytes(4).toString('hex')}.tmp`);
    const stream = createWriteStream(temp, { flags: 'wx', flush: true, highWaterMark: 1 << 20 });
    try {
      await once(stream, 'open');
    } catch (error) {
      throw outputError(target, error);
    }
    return new DirectoryUpload(stream, temp, target);
  }

  async removePartial(key: string): Promise<number> {
    this.#path(key);
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const partial = names.filter((name) => name.startsWith(`.${key}.`) && name.endsWith('.tmp'));
    await Promise.all(partial.map((name) => rm(join(this.dir, name), { force: true })));
    return partial.length;
  }

  async remove(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  /** Keys name a file in the directory, never a path out of it. */
  #path(key: string): string {
    return storagePath(this.dir, key);
  }
}
