/** The Content-Type an object is stored with, from its key's extension, so a presigned GET answers it too. */
import { CONTENT_TYPES } from '../http/range.js';

export function contentTypeOfKey(key: string): string {
  const extension = key.slice(key.lastIndexOf('.') + 1);
  return Object.hasOwn(CONTENT_TYPES, extension) ? CONTENT_TYPES[extension as keyof typeof CONTENT_TYPES] : 'application/octet-stream';
}
