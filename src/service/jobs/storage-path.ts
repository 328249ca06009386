/**
 * The one place a storage key becomes a path. A key is a plain file name (`<id>.<format>`); the
 * resolved path must be a direct child of the storage folder, so a key built from a tampered job
 * record (`x/../../../etc/hostname`, an absolute path, a NUL byte) can never name a file elsewhere.
 */
import { dirname, resolve, sep } from 'node:path';
import { SheetpipeError } from '../../errors.js';

/** Keys name a file in the folder: letters, digits, `_`, `-` and inner dots; no separators. */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * @throws SheetpipeError SHEETPIPE_ERR_PIPELINE_OUTPUT (500; clients see "could not be written to
 *   storage") when `key` is not a plain file name inside `dir`.
 */
export function storagePath(dir: string, key: string): string {
  const root = resolve(dir);
  const path = resolve(root, key);
  if (!KEY.test(key) || key.includes('..') || dirname(path) !== root || !path.startsWith(root + sep)) {
    throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [JSON.stringify(key), 'a storage key is a plain file name inside storage']);
  }
  return path;
}
