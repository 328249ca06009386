/**
 * `GET /v1/exports/:id/file`: the finished file with Content-Disposition, Content-Type,
 * Content-Length, a strong ETag and single-range support. 409 while the job is unfinished,
 * 410 (with the job's error) when it failed or was cancelled. With storage.s3 the file comes from the bucket
 * (object-download.ts: a 302 to a presigned URL, or proxied).
 */
import type { FastifyPluginAsync } from 'fastify';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SheetpipeError } from '../../errors.js';
import type { ServiceContext } from '../context.js';
import { downloadName } from '../export-plan.js';
import { isFinished } from '../jobs/types.js';
import { findJob } from './job-access.js';
import { sendObject } from './object-download.js';
import { publicError } from './public-errors.js';
import { CONTENT_TYPES, contentDisposition, parseRange } from './range.js';

export const fileRoute: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { queue, files } = context;

  // sheetpipeStreams: the latency record gets the time to first byte of the file.
  app.get<{ Params: { id: string } }>('/v1/exports/:id/file', { config: { sheetpipeStreams: true } }, async (request, reply) => {
    const job = await findJob(queue, request, request.params.id, context.config);
    if (!isFinished(job.status)) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FINISHED', [job.id, job.status]);
    if (job.status !== 'succeeded') {
      // The client's version of the job's error, in the message as in `cause`.
      const cause = publicError(job.error ?? { code: 'SHEETPIPE_ERR_PIPELINE_CANCELED', message: job.status }, request.sheetpipeSource);
      throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_GONE', [job.id, job.status, cause.message], { details: { cause } });
    }
    // storage.s3: a presigned redirect or the object streamed through (object-download.ts).
    if (context.objects) return sendObject(request, reply, context.objects, job, { ranges: true, cacheControl: 'private, no-store' });
    // pathOf refuses any id/format that would resolve outside storage (storage-path.ts).
    const path = files.pathOf(job.id, job.format);
    const info = await stat(path).catch(() => undefined);
    // Swept by retention between the lookup and now.
    if (!info) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_GONE', [job.id, 'file', 'it expired']);
    const etag = `"${job.id}-${info.size}-${job.finishedAt ?? 0}"`;
    // If-Range with another validator means the client's partial copy is stale: send it all.
    const ifRange = request.headers['if-range'];
    const range = parseRange(ifRange === undefined || ifRange === etag ? request.headers.range : undefined, info.size);
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${info.size}`);
      throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_RANGE', [request.headers.range, info.size]);
    }
    reply
      .header('content-type', CONTENT_TYPES[job.format])
      .header('content-disposition', contentDisposition(downloadName(job, job.id)))
      .header('accept-ranges', 'bytes')
      .header('etag', etag)
      .header('last-modified', new Date(job.finishedAt ?? info.mtimeMs).toUTCString())
      .header('cache-control', 'private, no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    if (range.kind === 'partial') {
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${info.size}`)
        .header('content-length', String(range.end - range.start + 1))
        .send(createReadStream(path, { start: range.start, end: range.end }));
    }
    return reply.header('content-length', String(info.size)).send(createReadStream(path));
  });
};
