/**
 * One way to open the storage of finished exports, for the API and for every distributed worker (and the
 * worker's export threads, which rebuild it from a plain StorageSpec: a Storage object cannot cross threads).
 *
 * - `directory`: `<storage.dir>/files`, a folder every process sees (a shared mount in distributed mode);
 * - `s3`: the bucket of `storage.s3` (s3-storage.ts), no shared filesystem needed.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/types.js';
import { DirectoryStorage } from '../distributed/directory-storage.js';
import type { Storage } from '../distributed/storage.js';
import type { S3Config } from './s3-config.js';
import { S3Storage } from './s3-storage.js';

export type StorageSpec =
  | { readonly kind: 'directory'; readonly dir: string; readonly writer: string }
  | { readonly kind: 's3'; readonly s3: S3Config };

/** The spec of the config's storage; `writer` names this process in directory temp files (`<host>-<pid>`). */
export function storageSpecOf(config: ServiceConfig, writer = `${hostname()}-${process.pid}`): StorageSpec {
  const s3 = config.storage.s3;
  return s3 === undefined ? { kind: 'directory', dir: join(config.storage.dir, 'files'), writer } : { kind: 's3', s3 };
}

export function openStorage(spec: StorageSpec): DirectoryStorage | S3Storage {
  return spec.kind === 's3' ? new S3Storage(spec.s3) : new DirectoryStorage(spec.dir, spec.writer);
}

/** The service's storage of export files (a directory or storage.s3), shared by the API and the workers. */
export function defaultStorage(config: ServiceConfig): DirectoryStorage | S3Storage {
  return openStorage(storageSpecOf(config));
}

/** Lets go of the backend's connections (an S3 client's sockets), so a thread that used it can exit. */
export function closeStorage(storage: Storage): void {
  objectStoreOf(storage)?.close();
}

/** The S3 backend when the config stores files in a bucket (the file and link routes then redirect or proxy). */
export function objectStoreOf(storage: Storage): S3Storage | undefined {
  return storage instanceof S3Storage ? storage : undefined;
}
