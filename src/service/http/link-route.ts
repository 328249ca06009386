/**
 * `GET /v1/links/:token`: the file of a succeeded export, for a signed link from a webhook or an email
 * (delivery/links.ts). Outside the bearer-token scope: the link is the credential. A link whose signature
 * does not check is 404 like an unknown export; an expired one 410.
 */
import type { FastifyPluginAsync } from 'fastify';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SheetpipeError } from '../../errors.js';
import type { ServiceContext } from '../context.js';
import type { LinkSigner } from '../delivery/links.js';
import { downloadName } from '../export-plan.js';
import { sendObject } from './object-download.js';
import { CONTENT_TYPES, contentDisposition } from './range.js';

export function linkRoute(signer: LinkSigner): FastifyPluginAsync<ServiceContext> {
  return async (app, context) => {
    app.get<{ Params: { token: string } }>('/v1/links/:token', { config: { sheetpipeStreams: true } }, async (request, reply) => {
      const check = signer.verify(request.params.token);
      if (!check.ok && check.expired !== undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_LINK_EXPIRED', [new Date(check.expired).toISOString()]);
      if (!check.ok) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['link', '(invalid)']);
      const job = await context.queue.get(check.jobId);
      if (!job) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_FOUND', ['export', check.jobId]);
      if (job.status !== 'succeeded') throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_GONE', [job.id, job.status, 'there is no file']);
      // storage.s3: a freshly presigned URL on every opening, so the link outlives any presigned one.
      if (context.objects) return sendObject(request, reply, context.objects, job, { ranges: false, cacheControl: 'private, no-store' });
      const path = context.files.pathOf(job.id, job.format);
      const info = await stat(path).catch(() => undefined);
      if (!info) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_GONE', [job.id, 'file', 'it expired']);
      return reply
        .header('content-type', CONTENT_TYPES[job.format])
        .header('content-disposition', contentDisposition(downloadName(job, job.id)))
        .header('content-length', String(info.size))
        .header('cache-control', 'private, no-store')
        // The token is in the path: keep it out of Referer headers of anything the file links to.
        .header('referrer-policy', 'no-referrer')
        .send(createReadStream(path));
    });
  };
}
