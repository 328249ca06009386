/**
 * The default Storage: a directory, typically a shared mount (NFS) that the API and every
 * worker see at the same path. A file is written as `.<key>.<writer>-<random>.tmp` beside its
 * final name, fsynced, and renamed over `<key>` on commit (removed when that fails), so a reader never sees a partial
 * file; `<writer>` (host-pid) tells an operator whose temp file it is.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createAtomicFile, outputErrorOf, type AtomicFile } from '../../util/atomic-file.js';
import { storagePath } from '../jobs/storage-path.js';
import type { Storage } from './storage.js';
import { isProcessAlive } from '../../util/process-alive.js';

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

  /** An upload is an atomic file (util/atomic-file.ts) beside its key. */
  async create(key: string): Promise<AtomicFile> {
    const target = this.#path(key);
    this.#ready ??= mkdir(this.dir, { recursive: true });
    await this.#ready.catch((error: unknown) => {
      this.#ready = undefined;
      throw outputErrorOf(this.dir, error);
    });
    const file = createAtomicFile(target, { tempName: `.${key}.${this.writer}-${randomBytes(4).toString('hex')}.tmp` });
    await file.opened;
    return file;
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
