/**
 * `GET /v1/reports/:name/download?<params>`: runs the export straight into the response, no
 * temp file, in its own worker thread (context.downloads). Each chunk waits for its socket write,
 * so a slow client slows the query instead of filling memory; a client that goes away aborts the
 * export, which stops the database query. Errors before the first byte are JSON answers; after it,
 * the connection is destroyed so the client sees a truncated transfer rather than a "complete"
 * broken file.
 *
 * When every export slot is busy the download waits for one (first come, first served) for up to
 * `limits.downloadWaitSeconds`, while fewer than `limits.queueLength` jobs and downloads wait;
 * otherwise, or when the wait runs out, 429 with Retry-After. The wait is the request's `queued`
 * time, the query's time to its first rows its `database` time (/debug/latency).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { SheetpipeError } from '../../errors.js';
import { markFirstByte } from '../../observability/request-hooks.js';
import type { ServiceContext } from '../context.js';
import { watchClientReads } from '../download-idle.js';
import { downloadName } from '../export-plan.js';
import type { Release } from '../jobs/slots.js';
import type { JobRequest } from '../jobs/types.js';
import { echoedTraceparent, noteDbWait, noteQueued, requestLogFields } from '../observability.js';
import { readDownloadQuery } from './export-request.js';
import { writeRawError } from './errors.js';
import { admitDownload } from './download-admission.js';
import { admitNewExport } from './job-access.js';
import { CONTENT_TYPES, contentDisposition } from './range.js';

/** Calls `onFirst` once, just before the first body byte is written (hijacked replies have no onSend). */
function onFirstWrite(response: ServerResponse, onFirst: () => void): void {
  const write = response.write;
  response.write = function firstWrite(this: ServerResponse, ...args: Parameters<ServerResponse['write']>) {
    response.write = write;
    onFirst();
    return write.apply(this, args);
  } as ServerResponse['write'];
}

export const downloadRoute: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { admission, slots, owners, state, streams, metrics, downloads, queue, observability } = context;

  /** A free slot now, or after waiting behind the other waiting downloads; 429 when it may not wait or waited too long. */
  async function exportSlot(request: FastifyRequest, gone: AbortSignal): Promise<Release> {
    const config = context.config;
    const now = slots.tryAcquire();
    if (now) return now;
    const busy = new SheetpipeError('SHEETPIPE_ERR_SERVICE_BUSY', [slots.limit]);
    const waitMs = config.limits.downloadWaitSeconds * 1000;
    if (waitMs === 0 || queue.counts().waiting + slots.waiting >= config.limits.queueLength) throw busy;
    const started = performance.now();
    const timeout = AbortSignal.timeout(waitMs);
    try {
      return await slots.acquire(AbortSignal.any([gone, timeout]));
    } catch (error) {
      throw timeout.aborted ? busy : error;
    } finally {
      noteQueued(request, performance.now() - started);
    }
  }

  function startStreaming(request: FastifyRequest, response: ServerResponse, job: JobRequest, id: string): void {
    response.statusCode = 200;
    // setHeader, not writeHead: nothing is sent before the first byte, so an early error can still be a JSON answer.
    response.setHeader('content-type', CONTENT_TYPES[job.format]);
    response.setHeader('content-disposition', contentDisposition(downloadName(job, id)));
    response.setHeader('cache-control', 'no-store');
    response.setHeader('x-export-id', id);
    const traceparent = echoedTraceparent(request);
    if (traceparent !== undefined) {
      response.setHeader('traceparent', traceparent);
      onFirstWrite(response, () => markFirstByte(request));
    }
  }

  app.get<{ Params: { name: string } }>('/v1/reports/:name/download', async (request, reply) => {
    // One config snapshot for the whole request; the export is planned from it too (downloads run with it).
    const config = context.config;
    const job = readDownloadQuery(config, request, request.params.name);
    const controller = new AbortController();
    const response = reply.raw;
    response.on('close', () => {
      if (!response.writableFinished) controller.abort(new SheetpipeError('SHEETPIPE_ERR_PIPELINE_CANCELED', ['the client disconnected']));
    });
    // Above the queue watermark a download waits for it to come down (it cannot wait in the job queue).
    await admitDownload(state, admission, config.limits.downloadWaitSeconds * 1000, controller.signal);
    // One token's downloads cannot take every slot: over its limit a download waits for one of its own exports to
    // end, as long as it may wait for a slot, then 429.
    const ownerWait = AbortSignal.timeout(config.limits.downloadWaitSeconds * 1000);
    try {
      await owners.whenFree(job.owner, AbortSignal.any([controller.signal, ownerWait]));
    } catch (error) {
      if (!ownerWait.aborted) throw error;
      const owner = job.owner as string;
      throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_TOKEN_BUSY', [owners.running(owner), owners.limitOf(owner)]);
    }
    const ownerRelease = owners.start(job.owner);
    let slotRelease: Release;
    try {
      slotRelease = await exportSlot(request, controller.signal);
    } catch (error) {
      ownerRelease();
      throw error;
    }
    const release = (): void => {
      ownerRelease();
      slotRelease();
    };
    try {
      // Things may have changed while it waited.
      admitNewExport(state, () => admission.check(), false);
    } catch (error) {
      release();
      throw error;
    }
    const id = randomUUID();
    const started = performance.now();
    reply.hijack();
    startStreaming(request, response, job, id);
    const idleSeconds = config.limits.downloadIdleSeconds ?? 30;
    const stopWatch = watchClientReads(response, idleSeconds * 1000, () => {
      // First the abort (stops the query, frees the slot), then the connection: its 'close' must not rename the reason.
      metrics.recordDownloadIdle();
      controller.abort(new SheetpipeError('SHEETPIPE_ERR_SERVICE_DOWNLOAD_IDLE', [idleSeconds]));
      response.destroy();
    });
    const ctx = request.sheetpipeTrace;
    let rows = 0;
    const done = (async () => {
      try {
        const result = await downloads({
          config,
          job,
          out: response,
          signal: controller.signal,
          onProgress: (progress) => (rows = progress),
          onQueryWait: (ms) => noteDbWait(request, ms),
          onHop: (hop) => {
            if (ctx && observability) observability.coloring.hop(ctx, hop);
          },
        });
        metrics.recordExport('succeeded', performance.now() - started, result.rows, result.bytes);
      } catch (error) {
        metrics.recordExport(controller.signal.aborted ? 'canceled' : 'failed', performance.now() - started, rows, 0);
        // Logged in full under the trace id; the client's JSON answer (writeRawError) carries that id.
        if (!controller.signal.aborted) request.log.warn({ err: error, report: job.report, ...requestLogFields(request) }, 'direct download failed');
        if (!response.headersSent && !response.destroyed) writeRawError(request, response, error, config.limits.retryAfterSeconds);
        else response.destroy();
      } finally {
        stopWatch();
        release();
      }
    })();
    const entry = { controller, done };
    streams.downloads.add(entry);
    await done;
    streams.downloads.delete(entry);
  });
};
