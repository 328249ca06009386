/**
 * The default Storage: a directory, typically a shared mount (NFS) that the API and every
 * worker see at the same path. A file is written as `.<key>.<writer>-<random>.tmp` beside its
 * final name, fsynced, and renamed over `<key>` on commit, so a reader never sees a partial
 * file; `<writer>` (host-pid) tells an operator whose temp file it is.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { SheetpipeError } from '../../errors.js';
import { storagePath } from '../jobs/storage-path.js';
import type { Storage, StorageUpload } from './storage.js';
import { isProcessAlive } from '../../util/process-alive.js';

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

const safe = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_');


/**
 * Whether a temp file's writer (`<host>-<pid>`, as in its name) is gone, so its file may be removed: this very
 * process (its own earlier attempt, whose thread crashed), or a dead pid on this host. A writer on another host
 * cannot be checked from here: its file is removed only once nobody has written to it for `staleMs`.
 */
export function isAbandoned(
  writer: string,
  here: { writer: string; host: string; ageMs: number; staleMs: number },
  alive: (pid: number) => boolean = isProcessAlive,
): boolean {
  if (writer === here.writer) return true;
  const match = /^(.*)-(\d+)$/.exec(writer);
  if (match && match[1] === here.host) return !alive(Number(match[2]));
  return here.ageMs >= here.staleMs;
}

export class DirectoryStorage implements Storage {
  readonly dir: string;
  /** Names this process in temp file names. */
  readonly writer: string;
  /** A temp file of a writer on another host is abandoned after this long without a write (15 minutes). */
  readonly staleMs: number;
  readonly #host = safe(hostname());
  #ready: Promise<unknown> | undefined;

  /** `writer` names this process in temp file names (default `<host>-<pid>`). */
  constructor(dir: string, writer = `${hostname()}-${process.pid}`, staleMs = 15 * 60_000) {
    this.dir = dir;
    this.writer = safe(writer);
    this.staleMs = staleMs;
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

  /**
   * Removes temp files of `key` whose writer is provably gone (see isAbandoned): the directory is shared by many
   * live processes, and BullMQ may hand a stalled job to a second worker while the first still writes it.
   */
  async removePartial(key: string): Promise<number> {
    this.#path(key);
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const partial = names.filter((name) => name.startsWith(`.${key}.`) && name.endsWith('.tmp'));
    const removed = await Promise.all(partial.map(async (name) => {
      const path = join(this.dir, name);
      const modifiedMs = (await stat(path).catch(() => undefined))?.mtimeMs;
      if (modifiedMs === undefined) return false;
      const writer = name.slice(key.length + 2, -'.tmp'.length).replace(/-[0-9a-f]+$/, '');
      if (!isAbandoned(writer, { writer: this.writer, host: this.#host, ageMs: Date.now() - modifiedMs, staleMs: this.staleMs })) return false;
      await rm(path, { force: true });
      return true;
    }));
    return removed.filter(Boolean).length;
  }

  async remove(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  /** Keys name a file in the directory, never a path out of it. */
  #path(key: string): string {
    return storagePath(this.dir, key);
  }
}
