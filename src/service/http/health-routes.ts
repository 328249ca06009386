/**
 * `GET /healthz` (the process answers) and `GET /readyz` (ready for new work: started, not
 * shutting down, not shedding load), both without a token. `GET /metrics` in Prometheus text
 * format, without a token unless `metrics.token` is configured.
 */
import type { FastifyPluginAsync } from 'fastify';
import { SheetpipeError } from '../../errors.js';
import type { AdmissionSample } from '../admission.js';
import type { ServiceContext } from '../context.js';
import { tokenVerifier } from './auth.js';

/** What admission judges, for operators: loop delay without the sampler's own interval, and free storage. */
function measuresOf(sample: AdmissionSample): Record<string, number | null> {
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    eventLoopDelayP50Ms: round(sample.eventLoopDelayP50Ms ?? 0),
    eventLoopDelayP99Ms: round(sample.eventLoopDelayMs),
    rssBytes: sample.rss,
    diskFreeBytes: sample.diskFreeBytes ?? null,
  };
}

export const healthRoutes: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { admission, queue, state } = context;

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { level, reason } = admission.current;
    const counts = { ...queue.counts(), measures: measuresOf(admission.sample()) };
    if (state.shuttingDown) return reply.code(503).send({ status: 'shutting-down', ...counts });
    if (level === 'refuse') return reply.code(503).send({ status: 'shedding', reason, ...counts });
    return { status: 'ready', admission: level, ...(reason ? { reason } : {}), ...counts };
  });
};

export const metricsRoute: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { metrics } = context;
  // Rebuilt when a config reload changes the snapshot, so a new or removed metrics.token applies at once.
  let verifiedFor: string | undefined;
  let verify: ReturnType<typeof tokenVerifier> | undefined;

  app.get('/metrics', async (request, reply) => {
    const { metricsToken } = context.config;
    if (metricsToken !== verifiedFor) {
      verifiedFor = metricsToken;
      verify = metricsToken === undefined ? undefined : tokenVerifier([{ token: metricsToken, allReports: false, reports: new Set() }]);
    }
    if (verify && !verify(request.headers.authorization)) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_UNAUTHORIZED');
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};
