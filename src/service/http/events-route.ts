/**
 * `GET /v1/exports/:id/events`: Server-Sent Events. `event: progress` with
 * `{ rows, bytes, rowsPerSecond }` while the job runs, then one `event: end` with the job
 * (its `status` says how it ended) and the stream closes. A finished job gets `end` at once.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerResponse } from 'node:http';
import { markFirstByte } from '../../observability/request-hooks.js';
import type { ServiceContext } from '../context.js';
import { isFinished, type JobEvent, type JobRecord } from '../jobs/types.js';
import { echoedTraceparent } from '../observability.js';
import { findJob } from './job-access.js';
import { publicJobView } from './job-view.js';

/** A comment line every 15 s keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

function writeEvent(response: ServerResponse, name: string, data: unknown): void {
  response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

function progressOf(job: JobRecord): JobEvent {
  const seconds = job.startedAt === null ? 0 : (Date.now() - job.startedAt) / 1000;
  return { type: 'progress', rows: job.rows, bytes: job.bytes, rowsPerSecond: seconds > 0 ? Math.round(job.rows / seconds) : 0 };
}

export const eventsRoute: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { queue, streams } = context;

  app.get<{ Params: { id: string } }>('/v1/exports/:id/events', async (request, reply) => {
    // This request's config snapshot (a reload may replace context.config meanwhile).
    const config = context.config;
    const first = await findJob(queue, request, request.params.id, config);
    const response = reply.raw;
    reply.hijack();
    const traceparent = echoedTraceparent(request);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...(traceparent === undefined ? {} : { traceparent }),
    });
    markFirstByte(request);
    let keepAlive: NodeJS.Timeout | undefined;
    let unsubscribe = (): void => undefined;
    const close = (): void => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.events.delete(close);
      if (!response.writableEnded) response.end();
    };
    const onEvent = (event: JobEvent): void => {
      if (event.type === 'progress') {
        writeEvent(response, 'progress', { rows: event.rows, bytes: event.bytes, rowsPerSecond: event.rowsPerSecond });
        return;
      }
      writeEvent(response, 'end', publicJobView(event.job, config, request.principal));
      close();
    };
    // Subscribe before reading the state again, so an end between the two reads is not missed.
    unsubscribe = queue.subscribe(first.id, onEvent);
    streams.events.add(close);
    response.on('close', close);
    const now = (await queue.get(first.id)) ?? first;
    if (isFinished(now.status)) return onEvent({ type: 'end', job: now });
    if (now.status === 'running') onEvent(progressOf(now));
    keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
  });
};
