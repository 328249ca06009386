/** Records every answered request in `sheetpipe_http_request_duration_seconds{route,method,status_code}`. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceMetrics } from '../metrics.js';
import { skipOverride } from './errors.js';

export function requestMetricsPlugin(metrics: ServiceMetrics): FastifyPluginAsync {
  return skipOverride(async (app) => {
    // Callback style: an async hook costs promises on every request.
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern (`/v1/exports/:id`), never the raw URL, keeps label cardinality bounded.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.observe({ route, method: request.method, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  });
}
