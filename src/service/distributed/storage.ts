/**
 * Where workers put finished export files, as the API must find them. The extension point is
 * deliberately small (create / removePartial / remove): the directory backend (directory-storage.ts)
 * and the S3 one (storage/s3-storage.ts: multipart upload, completed on commit, aborted on discard).
 */
import type { Output } from '../../util/output.js';

export interface Storage {
  /**
   * Starts writing `key` (`<export id>.<format>`): an Output (util/output.ts) invisible under its key until
   * `commit`, which replaces an older object (re-runs never duplicate); `discard` leaves nothing behind.
   * A backend that uploads while the export writes (S3) reports a failed upload through `onFailure`, so
   * the export stops instead of writing on.
   * @throws SheetpipeError SHEETPIPE_ERR_PIPELINE_OUTPUT when the backend cannot take it.
   */
  create(key: string): Promise<Output>;
  /** Removes what an interrupted writer of `key` left (a killed worker's temp file); answers how many. */
  removePartial(key: string): Promise<number>;
  /** Deletes the finished object, if any. */
  remove(key: string): Promise<void>;
}

const METHODS = ['create', 'removePartial', 'remove'] as const;

/** Runtime guard for storage backends handed in from outside (plain JS callers, plugins). */
export function isStorage(value: unknown): value is Storage {
  if (typeof value !== 'object' || value === null) return false;
  return METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}

/** The key of an export's file; the API's file route reads the same name. */
export function outputKey(id: string, format: string): string {
  return `${id}.${format}`;
}
