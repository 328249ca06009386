/** `POST /v1/exports`, `GET /v1/exports/:id`, `DELETE /v1/exports/:id`. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.js';
import { isFinished, jobView, type JobRecord } from '../jobs/types.js';
import { dbWaitStart, noteDbWaitSince } from '../observability.js';
import { readExportBody } from './export-request.js';
import { admitNewExport, findJob } from './job-access.js';

interface IdParams {
  readonly id: string;
}

export const exportsRoutes: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { queue, config, admission, state } = context;

  app.post('/v1/exports', async (request, reply) => {
    const job = readExportBody(config, request);
    // Above the queue watermark the job is still accepted; it waits until memory comes down.
    admitNewExport(state, () => admission.check(), true);
    const started = dbWaitStart(request);
    const accepted = await queue.enqueue(job);
    noteDbWaitSince(request, started);
    return reply.code(202).header('location', `/v1/exports/${accepted.id}`).header('x-export-id', accepted.id).send(jobView(accepted));
  });

  // A finished job's record never changes (updates replace it), and clients poll it: its JSON is made once.
  // Measured 9 % of the service's CPU at 5,000 status reads/s when built (and dates formatted) per request.
  const finishedBodies = new WeakMap<JobRecord, string>();
  app.get<{ Params: IdParams }>('/v1/exports/:id', async (request, reply) => {
    const job = await findJob(queue, request, request.params.id);
    let body = finishedBodies.get(job);
    if (body === undefined) {
      body = JSON.stringify(jobView(job));
      if (isFinished(job.status)) finishedBodies.set(job, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.delete<{ Params: IdParams }>('/v1/exports/:id', async (request) => {
    const job = await findJob(queue, request, request.params.id);
    if (isFinished(job.status)) {
      const removed = await queue.remove(job.id);
      return { ...jobView(removed ?? job), deleted: true };
    }
    // Resolves only after the query stopped and the temp file is gone.
    const canceled = await queue.cancel(job.id);
    return jobView(canceled ?? job);
  });
};
