/**
 * `GET /v1/reports/:name/download?<params>`: runs the export straight into the response, no
 * temp file. The pipeline's stream sink waits for each socket write, so a slow client slows
 * the query instead of filling memory; a client that goes away aborts the export, which stops
 * the database query. Errors before the first byte are JSON answers; after it, the connection
 * is destroyed so the client sees a truncated transfer rather than a "complete" broken file.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { ServiceContext } from '../context.js';
import { downloadName, planJobExport } from '../export-plan.js';
import { randomUUID } from 'node:crypto';
import { readDownloadQuery } from './export-request.js';
import { writeRawError } from './errors.js';
import { admitNewExport } from './job-access.js';
import { CONTENT_TYPES, contentDisposition } from './range.js';

export const downloadRoute: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { config, admission, slots, state, streams, metrics, runExport } = context;

  app.get<{ Params: { name: string } }>('/v1/reports/:name/download', async (request, reply) => {
    const job = readDownloadQuery(config, request, request.params.name);
    // A download cannot wait in the queue, so above the queue watermark it is refused too.
    admitNewExport(state, () => admission.check(), false);
    const release = slots.tryAcquire();
    if (!release) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_BUSY', [slots.limit]);
    const id = randomUUID();
    const response = reply.raw;
    const controller = new AbortController();
    const started = performance.now();
    reply.hijack();
    // setHeader, not writeHead: nothing is sent before the first byte, so an early error can still be a JSON answer.
    response.statusCode = 200;
    response.setHeader('content-type', CONTENT_TYPES[job.format]);
    response.setHeader('content-disposition', contentDisposition(downloadName(job, id)));
    response.setHeader('cache-control', 'no-store');
    response.setHeader('x-export-id', id);
    response.on('close', () => {
      if (!response.writableFinished) controller.abort(new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', ['the client disconnected']));
    });
    let rows = 0;
    const done = (async () => {
      try {
        const result = await runExport({
          ...planJobExport(config, job),
          out: response,
          signal: controller.signal,
          onProgress: (progress) => (rows = progress.rows),
        });
        metrics.recordExport('succeeded', performance.now() - started, result.rows, result.bytes);
      } catch (error) {
        metrics.recordExport(controller.signal.aborted ? 'canceled' : 'failed', performance.now() - started, rows, 0);
        if (!controller.signal.aborted) request.log.warn({ err: error, report: job.report }, 'direct download failed');
        if (!response.headersSent && !response.destroyed) writeRawError(response, error, config.limits.retryAfterSeconds);
        else response.destroy();
      } finally {
        release();
      }
    })();
    const entry = { controller, done };
    streams.downloads.add(entry);
    await done;
    streams.downloads.delete(entry);
  });
};
