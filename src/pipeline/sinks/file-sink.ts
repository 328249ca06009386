/** File output: an atomic file (util/atomic-file.ts), opened before the export starts so a bad path fails first. */
import { createAtomicFile } from '../../util/atomic-file.js';
import type { Output } from '../../util/output.js';

/**
 * Opens a temp file beside `path`. Fails with SHEETPIPE_ERR_PIPELINE_OUTPUT naming the directory
 * when it is missing or not writable, or naming the target when it is a directory.
 */
export async function openFileSink(path: string): Promise<Output> {
  const file = createAtomicFile(path);
  await file.opened;
  return file;
}
