/**
 * The one place the service wires in src/observability: trace context per request, the latency
 * ring (flushed to `observability.latencyLog`, default `<storage.dir>/latency.bin`), event-loop/GC/coloring metrics in the service's
 * registry, and `GET /debug/latency` for tokens whose reports include `"*"`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SheetpipeError } from '../errors.js';
import { createObservability } from '../observability/index.js';
import type { ServiceContext } from './context.js';
import { tokenVerifier } from './http/auth.js';

export async function registerObservability(app: FastifyInstance, context: ServiceContext): Promise<void> {
  const verify = tokenVerifier(context.config.tokens);
  const observability = createObservability({
    registry: context.metrics.registry,
    latencyLog: context.config.observability.latencyLog,
    onFlushError: (error) => context.log.warn({ err: error }, 'latency log flush failed'),
    authorize: (request: FastifyRequest) => {
      const principal = verify(request.headers.authorization);
      if (!principal) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_UNAUTHORIZED');
      return principal.allReports;
    },
  });
  await app.register(observability.plugin);
}
