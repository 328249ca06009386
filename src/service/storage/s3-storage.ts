/**
 * The `s3` Storage: finished exports as objects in an S3-compatible bucket (AWS SDK v3).
 *
 * An upload is a multipart upload (lib-storage `Upload`) fed straight from the export: parts of `PART_BYTES`
 * are sent while the export runs (at most `QUEUE_SIZE` in flight, so memory stays at a few parts and no temp
 * file of the whole export is written), each part retried by the SDK. The export's stream is decoupled from
 * the upload's body: ending the export stream does not complete the upload; only `commit()` does, so no
 * object becomes visible before the export is known to be good. `discard()` aborts the multipart upload
 * (AbortMultipartUpload), so nothing partial is left in the bucket. An export smaller than one part is
 * sent as one PutObject on commit.
 *
 * Errors are SHEETPIPE_ERR_PIPELINE_OUTPUT naming the key and the S3 error code only: SDK messages can carry
 * the endpoint or the bucket, which clients and logs shipped elsewhere must not see.
 */
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { SheetpipeError } from '../../errors.js';
import { FirstFailure, type Output } from '../../util/output.js';
import type { Storage } from '../distributed/storage.js';
import { contentTypeOfKey } from './content-type.js';
import type { S3Config } from './s3-config.js';

/** S3's minimum part size; parts this big keep a 5 GB export under the 10,000-part limit… at 5 MiB, 50 GB. */
const PART_BYTES = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** Same as a storage path (storage-path.ts): a key is a plain file name, never a path into other prefixes. */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** `NoSuchBucket`, `AccessDenied`, `ECONNREFUSED`, …: what an operator needs, without hosts or names. */
export function s3ErrorCode(error: unknown): string {
  if (error instanceof S3ServiceException) return error.name;
  const code = (error as { code?: unknown; name?: unknown } | undefined)?.code ?? (error as { name?: unknown } | undefined)?.name;
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : 'the object store failed';
}

function outputError(key: string, error: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [`s3 object ${key}`, s3ErrorCode(error)], { cause: error });
}

/** A failed read, presign or delete: 502, naming the operation and the S3 error code. */
function storeError(operation: string, key: string, error: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_OBJECT_STORE', [operation, key, s3ErrorCode(error)], { cause: error });
}

function isNotFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404 || (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound'));
}

/** Options of a presigned GET: the browser saves the file under `filename` with the right type. */
export interface PresignOptions {
  readonly contentDisposition: string;
  readonly contentType: string;
}

class S3Upload implements Output {
  readonly stream: Writable;
  readonly #upload: Upload;
  readonly #done: Promise<unknown>;
  readonly #body: PassThrough;
  readonly #key: string;
  #bytes = 0;
  #failure: unknown;
  /** The upload's own failure, for onFailure listeners. */
  readonly #uploadFailure = new FirstFailure();
  #committed = false;

  constructor(client: S3Client, bucket: string, key: string, name: string) {
    this.#key = name;
    this.#body = new PassThrough({ highWaterMark: 1 << 20 });
    this.#upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: this.#body, ContentType: contentTypeOfKey(key) },
      partSize: PART_BYTES,
      queueSize: QUEUE_SIZE,
      // A failed part aborts the whole multipart upload: never a half-assembled object.
      leavePartsOnError: false,
    });
    this.#done = this.#upload.done();
    this.#done.catch((error: unknown) => {
      // Discarded: the caller stopped the export itself.
      if (this.#failure !== undefined) return;
      this.#failure = error;
      const failure = outputError(name, error);
      this.stream.destroy(failure);
      this.#uploadFailure.fail(failure);
    });
    const body = this.#body;
    const count = (bytes: number): void => void (this.#bytes += bytes);
    this.stream = new Writable({
      highWaterMark: 1 << 20,
      // The body's callback comes once the upload took the chunk: the export feels S3's back-pressure.
      write(chunk: Buffer, _encoding, callback) {
        count(chunk.length);
        body.write(chunk, (error) => callback(error ?? null));
      },
      // Ending the export's stream does not end the body: commit() does, after the export succeeded.
      final(callback) {
        callback();
      },
    });
    // The failure reaches the export through onFailure and commit(); an 'error' event after the export stopped
    // listening (its sink detached) must not be an uncaught exception that kills the export thread.
    const ignore = (): void => undefined;
    this.stream.on('error', ignore);
    body.on('error', ignore);
  }

  /** Bytes the export wrote so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Hears of an upload that failed while the export still writes (S3 down): the export stops with it. */
  onFailure(listener: (error: Error) => void): void {
    this.#uploadFailure.onFailure(listener);
  }

  async commit(): Promise<undefined> {
    if (this.#failure !== undefined) throw outputError(this.#key, this.#failure);
    try {
      if (!this.stream.writableFinished) {
        await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
      }
      this.#body.end();
      await this.#done;
      this.#committed = true;
    } catch (error) {
      await this.discard();
      throw error instanceof SheetpipeError ? error : outputError(this.#key, error);
    }
    return undefined;
  }

  async discard(): Promise<void> {
    if (this.#committed) return;
    this.#failure ??= new Error('discarded');
    // A body that fails makes the upload wait for its parts in flight, then send AbortMultipartUpload, then
    // reject: awaited here, so the abort is sent before the caller (an export thread about to exit) goes on.
    // Upload.abort() would reject at once and leave the AbortMultipartUpload to a process that may be gone.
    this.#body.destroy(new Error('the export was discarded'));
    await this.#done.catch(() => undefined);
    this.stream.destroy();
  }
}

export class S3Storage implements Storage {
  readonly config: S3Config;
  readonly client: S3Client;

  constructor(config: S3Config, client?: S3Client) {
    this.config = config;
    const options: S3ClientConfig = {
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      // A copy: the SDK marks the object it is given (`$source`), and the config snapshot is shared.
      ...(config.credentials === undefined ? {} : { credentials: { ...config.credentials } }),
      // The SDK retries throttling, 5xx answers and dropped connections, parts included, with backoff.
      maxAttempts: 4,
      // A store that stops answering fails the part (then the export) instead of hanging it.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    };
    this.client = client ?? new S3Client(options);
  }

  /** The object key of a storage key (`<prefix><id>.<format>`). */
  objectKey(key: string): string {
    if (!KEY.test(key) || key.includes('..')) {
      throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_OUTPUT', [JSON.stringify(key), 'a storage key is a plain file name inside storage']);
    }
    return `${this.config.prefix}${key}`;
  }

  async create(key: string): Promise<Output> {
    return new S3Upload(this.client, this.config.bucket, this.objectKey(key), key);
  }

  /**
   * Nothing to do: an interrupted writer's multipart upload never becomes an object, and its parts are
   * removed by the bucket's lifecycle rule (AbortIncompleteMultipartUpload, docs/storage.md) — a killed
   * worker cannot abort its own, and listing uploads needs a permission most deployments do not grant.
   */
  async removePartial(key: string): Promise<number> {
    this.objectKey(key);
    return 0;
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      if (!isNotFound(error)) throw storeError('delete', key, error);
    }
  }

  /** The object's size, or undefined when there is none (retention removed it). */
  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('find', key, error);
    }
  }

  /** A time-limited GET URL (`presignSeconds`) that answers with the given disposition and type. */
  async presign(key: string, options: PresignOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.config.bucket, Key: this.objectKey(key),
      ResponseContentDisposition: options.contentDisposition, ResponseContentType: options.contentType,
    });
    try {
      return await getSignedUrl(this.client, command, { expiresIn: this.config.presignSeconds });
    } catch (error) {
      throw storeError('presign', key, error);
    }
  }

  /** The object's bytes (a byte range when given), or undefined when there is none. */
  async open(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number } | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({
        Bucket: this.config.bucket, Key: this.objectKey(key),
        ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
      }));
      return { body: object.Body as Readable, size: object.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('read', key, error);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
