/** The container's memory limit, read from cgroup v2 (`memory.max`) or v1 (`memory.limit_in_bytes`). */
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';

const CGROUP_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** Bytes, or undefined when no limit is set (`max`, or v1's "unlimited" sentinel above the machine's memory). */
export async function containerMemoryLimit(files: readonly string[] = CGROUP_FILES): Promise<number | undefined> {
  for (const file of files) {
    let text: string;
    try {
      text = (await readFile(file, 'utf8')).trim();
    } catch {
      continue;
    }
    if (text === 'max') return undefined;
    const bytes = Number(text);
    if (Number.isFinite(bytes) && bytes > 0 && bytes < totalmem()) return bytes;
    return undefined;
  }
  return undefined;
}

/** Default for `limits.memoryLimitMb`: the container's limit when one is set, else the machine's memory. */
export async function defaultMemoryLimitMb(): Promise<number> {
  return Math.floor(((await containerMemoryLimit()) ?? totalmem()) / (1024 * 1024));
}
