/**
 * Finished export files live in `<storage.dir>/files/<job id>.<format>`; the pipeline writes
 * `.<job id>.<format>.<random>.tmp` beside them and renames on success.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFormat } from '../../pipeline/types.js';
import { storagePath } from './storage-path.js';

/** `abc.xlsx` and `.abc.xlsx.1f2e.tmp` both belong to job `abc`. */
function jobIdOf(name: string): string {
  const bare = name.startsWith('.') ? name.slice(1) : name;
  return bare.split('.', 1)[0] ?? bare;
}

export class JobFiles {
  readonly dir: string;

  constructor(storageDir: string) {
    this.dir = join(storageDir, 'files');
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** @throws SheetpipeError SHEETPIPE_ERR_PIPELINE_OUTPUT when id or format would lead out of the folder (storage-path.ts). */
  pathOf(id: string, format: ExportFormat): string {
    return storagePath(this.dir, `${id}.${format}`);
  }

  /** Removes a job's file and any temp file an interrupted writer left. */
  async removeAll(id: string): Promise<void> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((name) => jobIdOf(name) === id);
    await Promise.all(names.map((name) => rm(join(this.dir, name), { force: true })));
  }

  /** Deletes files no job owns (e.g. temp files of a process that was killed); answers how many. */
  async removeOrphans(isKept: (id: string) => boolean): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const orphans = names.filter((name) => !isKept(jobIdOf(name)));
    await Promise.all(orphans.map((name) => rm(join(this.dir, name), { force: true })));
    return orphans.length;
  }
}
