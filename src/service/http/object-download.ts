/**
 * An export's file from object storage (`storage.s3`), for `/v1/exports/:id/file` and `/v1/links/:token`:
 *
 * - `download: "redirect"` (default): `302` to a presigned GET URL valid `presignSeconds`, which answers with
 *   the file's Content-Disposition and Content-Type; the bytes go from the store to the client directly.
 *   Each request (and each opening of a signed link) presigns afresh, so a link outlives any presigned URL.
 * - `download: "proxy"`: the API streams the object itself (clients that cannot reach the store, or must
 *   not see its host), with Content-Length and single-range support like the directory backend.
 *
 * The object is looked up first (HEAD), so an export swept by retention is 410 here, not a redirect to a
 * store's 404. Store failures are SHEETPIPE_ERR_SERVICE_OBJECT_STORE (502), naming neither the endpoint,
 * the bucket nor credentials.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import { downloadName } from '../export-plan.js';
import type { JobRecord } from '../jobs/types.js';
import { contentTypeOfKey } from '../storage/content-type.js';
import type { S3Storage } from '../storage/s3-storage.js';
import { outputKey } from '../distributed/storage.js';
import { contentDisposition, parseRange } from './range.js';

export interface ObjectAnswer {
  /** Honour `Range` (the file route); a link always answers the whole file. */
  readonly ranges: boolean;
  readonly cacheControl: string;
}

export async function sendObject(request: FastifyRequest, reply: FastifyReply, store: S3Storage, job: JobRecord, answer: ObjectAnswer): Promise<FastifyReply> {
  const key = outputKey(job.id, job.format);
  const size = await store.size(key);
  if (size === undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_GONE', [job.id, 'file', 'it expired']);
  const disposition = contentDisposition(downloadName(job, job.id));
  const type = contentTypeOfKey(key);
  reply.header('cache-control', answer.cacheControl).header('referrer-policy', 'no-referrer');
  if (store.config.download === 'redirect') {
    const url = await store.presign(key, { contentDisposition: disposition, contentType: type });
    return reply.code(302).header('location', url).send();
  }
  const range = answer.ranges ? parseRange(request.headers.range, size) : { kind: 'whole' as const };
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${size}`);
    throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_RANGE', [request.headers.range, size]);
  }
  const part = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
  const object = await store.open(key, part);
  if (object === undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_GONE', [job.id, 'file', 'it expired']);
  reply.header('content-type', type).header('content-disposition', disposition).header('content-length', String(object.size));
  if (answer.ranges) reply.header('accept-ranges', 'bytes');
  if (part !== undefined) reply.code(206).header('content-range', `bytes ${part.start}-${part.end}/${size}`);
  return reply.send(object.body);
}
