/**
 * One instance owns a storage directory at a time: `<dir>/sheetpipe.lock` holds the owner's pid, host, boot id and
 * start time. It is taken before anything in the directory is touched (job database, start-up cleanup), so a second
 * `sheetpipe serve` on the same directory stops without harming the first one's running jobs.
 *
 * Atomic: the content is written to a private temp file, then hard-linked to the lock's name; link(2) fails with
 * EEXIST when a lock exists, and a reader never sees a half-written lock (unlike open('wx') then write).
 * A lock whose owner is provably gone is taken over: same host and boot, pid not alive (or our own pid, which
 * only happens when a container restarted with the same pid); or a lock from an earlier boot of this host.
 * A lock from another host cannot be checked from here: it is refused, and the message says which file to remove.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SheetpipeError } from '../errors.js';
import { isProcessAlive } from '../util/process-alive.js';

export const LOCK_NAME = 'sheetpipe.lock';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO-8601 time the owner took the lock. */
  readonly startedAt: string;
  /** Linux boot id; a different one means the owner died with an earlier boot. */
  readonly bootId: string;
}

/** Lock paths held by this process: an in-process second owner is refused, not mistaken for a stale lock. */
const held = new Set<string>();

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}


function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt ?? '?'), bootId: String(owner.bootId ?? '') };
  } catch {
    return undefined;
  }
}

/** Whether the lock's owner is provably gone, judged from this process's host, boot and pid. */
export function isStale(owner: LockOwner, here: { host: string; bootId: string; pid: number }, alive: (pid: number) => boolean): boolean {
  if (owner.host !== here.host) return false;
  if (owner.bootId !== '' && here.bootId !== '' && owner.bootId !== here.bootId) return true;
  return owner.pid === here.pid || !alive(owner.pid);
}

export class StorageLock {
  readonly path: string;
  readonly owner: LockOwner;
  #released = false;

  private constructor(path: string, owner: LockOwner) {
    this.path = path;
    this.owner = owner;
  }

  /**
   * Takes `<dir>/sheetpipe.lock` (creating `dir`).
   * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_STORAGE_LOCKED when another live instance owns it (exit code 2).
   */
  static async acquire(dir: string): Promise<StorageLock> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, LOCK_NAME);
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), bootId: bootId() };
    const locked = (other: LockOwner): SheetpipeError =>
      new SheetpipeError('SHEETPIPE_ERR_SERVICE_STORAGE_LOCKED', [dir, other.pid, other.host, other.startedAt, path]);
    if (held.has(path)) throw locked(parseOwner(await readFile(path, 'utf8').catch(() => '')) ?? owner);
    const temp = join(dir, `.${LOCK_NAME}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(temp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    try {
      // Two rounds: a stale lock is removed once, then the link must win; a newcomer that raced us wins instead.
      for (let round = 0; round < 2; round++) {
        try {
          await link(temp, path);
          held.add(path);
          return new StorageLock(path, owner);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const text = await readFile(path, 'utf8').catch(() => undefined);
        if (text === undefined) continue; // released between our link and our read
        const other = parseOwner(text);
        // An unreadable lock (a crash between create and write cannot happen with link, so: a foreign file) is not ours to remove.
        if (!other) throw locked({ pid: NaN, host: '?', startedAt: '?', bootId: '' });
        if (!isStale(other, { host: owner.host, bootId: owner.bootId, pid: process.pid }, isProcessAlive)) throw locked(other);
        await rm(path, { force: true });
      }
      const other = parseOwner(await readFile(path, 'utf8').catch(() => '')) ?? { pid: NaN, host: '?', startedAt: '?', bootId: '' };
      throw locked(other);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Removes the lock if it is still ours; idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    held.delete(this.path);
    const current = parseOwner(await readFile(this.path, 'utf8').catch(() => ''));
    if (current && current.pid === this.owner.pid && current.startedAt === this.owner.startedAt) await rm(this.path, { force: true });
  }
}
