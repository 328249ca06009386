/**
 * The one place the service wires in src/observability: trace context per request, the latency
 * ring (flushed to `observability.latencyLog`, default `<storage.dir>/latency.bin`), event-loop/GC/
 * coloring metrics in the service's registry, `GET /debug/latency` for tokens whose reports include
 * `"*"`, and the helpers routes use to report what the plugin cannot see (time queued for an export
 * slot, time waiting for a database). The helpers are no-ops while observability is off (the request
 * then has no trace context).
 */
import type { FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { SheetpipeError } from '../errors.js';
import { createObservability, type Observability, type ObservabilityRules } from '../observability/fastify-plugin.js';
import { currentTrace, logBindings } from '../observability/trace-context.js';
import type { ConfigHolder } from './config/holder.js';
import type { ServiceConfig } from './config/types.js';
import { tokenVerifier } from './http/token-verifier.js';
import type { ServiceLogger } from './jobs/runner.js';

/** The plugin's sampling and coloring options from a config snapshot (undefined: the plugin's default). */
function rulesOf(config: ServiceConfig): ObservabilityRules {
  const { slowMs, rates, defaultRate, coloredRoutes } = config.observability.sampling ?? {};
  return {
    ...(slowMs === undefined ? {} : { thresholdMs: slowMs }),
    ...(rates === undefined ? {} : { sampleRates: rates }),
    ...(defaultRate === undefined ? {} : { defaultSampleRate: defaultRate }),
    ...(coloredRoutes === undefined ? {} : { coloredRoutes }),
  };
}

/** A config reload applies new sampling and coloring rules, and new tokens to /debug/latency, from the next request. */
export function createServiceObservability(configs: ConfigHolder, registry: Registry, log: ServiceLogger): Observability {
  const config = configs.current();
  let verify = tokenVerifier(config.tokens);
  const observability = createObservability({
    registry,
    latencyLog: config.observability.latencyLog,
    onFlushError: (error) => log.warn({ err: error }, 'latency log flush failed'),
    authorize: (request: FastifyRequest) => {
      const principal = verify(request.headers.authorization);
      if (!principal) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_UNAUTHORIZED');
      return principal.allReports;
    },
    ...rulesOf(config),
  });
  // The reload validated the rules (config/validate.ts: rates 0…1, slowMs >= 0), so configure() does not throw here.
  configs.onChange((next) => {
    verify = tokenVerifier(next.tokens);
    observability.configure(rulesOf(next));
  });
  return observability;
}

/** traceId, spanId and color of `request`, for its log lines (nothing while observability is off). */
export function requestLogFields(request: FastifyRequest): object {
  return request.sheetpipeTrace ? logBindings(request.sheetpipeTrace) : {};
}

/**
 * A pino `mixin`: log lines written inside AsyncLocalStorage (requests when the plugin enters it, export
 * runs) carry the trace's fields, fastify's own request lines included.
 */
export function traceLogFields(): object {
  const trace = currentTrace();
  return trace === undefined ? {} : logBindings(trace);
}

/** Records that `request` waited `ms` for an export slot (cause `queued` in /debug/latency). */
export function noteQueued(request: FastifyRequest, ms: number): void {
  if (request.sheetpipeTrace) request.sheetpipeQueuedMs += ms;
}

/** Records that `request` waited `ms` for the source database or the job store (cause `database`). */
export function noteDbWait(request: FastifyRequest, ms: number): void {
  if (request.sheetpipeTrace) request.sheetpipeDbMs += ms;
}

/**
 * The start of a database wait (performance.now(), 0 while observability is off), for noteDbWaitSince.
 * A pair of calls around an `await` the route makes anyway: wrapping it would add a promise per request.
 */
export function dbWaitStart(request: FastifyRequest): number {
  return request.sheetpipeTrace ? performance.now() : 0;
}

export function noteDbWaitSince(request: FastifyRequest, started: number): void {
  if (request.sheetpipeTrace) request.sheetpipeDbMs += performance.now() - started;
}

/** The `traceparent` a hijacked reply echoes (the plugin sets it on all others), when tracing is on. */
export function echoedTraceparent(request: FastifyRequest): string | undefined {
  return request.sheetpipeTrace?.traceparent;
}
