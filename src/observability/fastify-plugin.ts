/**
 * The observability plugin for the service's fastify app: trace context per request (W3C headers in,
 * `traceparent` out, AsyncLocalStorage, an OpenTelemetry server span), the latency record of every kept
 * request (latency to the last byte, TTFB, queued/db time the route reports, event-loop stall and GC
 * overlap), and `GET /debug/latency`. It skips fastify's encapsulation (`skip-override`) so its hooks
 * see every route registered after it.
 *
 * @example
 *   const obs = createObservability({ registry, latencyLog: join(storageDir, 'latency.bin'), authorize: isAdmin });
 *   await app.register(obs.plugin);      // before the routes
 *   // in a route: request.sheetpipeQueuedMs = msWaited; request.sheetpipeDbMs += msInQueries
 *   await app.close();                   // flushes the log (obs.close() runs in onClose)
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import { SheetpipeError } from '../errors.js';
import { slowest, type DebugLatency } from './attribution.js';
import { monotonicNs } from './clock.js';
import { ColoringMetrics } from './coloring.js';
import { LatencyFlusher } from './flusher.js';
import { FLAG_GC, FLAG_SLOW, FLAG_STREAMED, emptySample, traceIdWords } from './latency-record.js';
import { DEFAULT_RING_CAPACITY, LatencyRing } from './latency-ring.js';
import { RouteTable, UNMATCHED_ROUTE } from './route-table.js';
import { RuntimeMonitor } from './runtime-monitor.js';
import { TailSampler } from './sampler.js';
import { TraceContext, traceStorage, type TraceHeaders } from './trace-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace context (also in AsyncLocalStorage: currentTrace()). */
    sheetpipeTrace: TraceContext | null;
    /** Set by a route: ms this request waited behind the concurrency limit. */
    sheetpipeQueuedMs: number;
    /** Set (or added to) by a route: ms this request waited for the database. */
    sheetpipeDbMs: number;
    sheetpipeStartNs: number;
    /** Set by the plugin, or by a hijacked route at its first byte. */
    sheetpipeTtfbNs: number;
    sheetpipeStreamed: boolean;
    sheetpipeRoute: SheetpipeRoute | null;
  }
  interface FastifyContextConfig {
    sheetpipeRoute?: SheetpipeRoute;
    /** Set on a route whose replies stream (e.g. a file): its time to first byte is recorded. */
    sheetpipeStreams?: boolean;
  }
}

/** What the plugin attaches to each single-method route when it is registered. */
interface SheetpipeRoute {
  readonly id: number;
  /** `GET /v1/exports/:id`: the route's name in records and spans. */
  readonly key: string;
  readonly url: string;
  /** Its colored requests count in sheetpipe_color_requests_total. */
  readonly colored: boolean;
}

export interface ObservabilityOptions {
  /** Metrics (event loop, ELU, GC, coloring) are registered here; without it only a private registry holds coloring. */
  readonly registry?: Registry;
  /** Ring capacity (power of two). Default 65,536. Ignored when `ring` is given. */
  readonly capacity?: number;
  /** An existing ring (e.g. shared with worker threads). */
  readonly ring?: LatencyRing;
  /** Always keep requests at least this slow. Default 5 ms. */
  readonly thresholdMs?: number;
  /** Keep-rate of fast requests per route (`GET /v1/exports/:id`: 0.01 …); see DEFAULT_SAMPLE_RATES. */
  readonly sampleRates?: Readonly<Record<string, number>>;
  readonly defaultSampleRate?: number;
  /** The flushed log (`observability.latencyLog`, default `<storage.dir>/latency.bin`); no file without it. */
  readonly latencyLog?: string;
  readonly latencyLogRotateBytes?: number;
  readonly latencyLogKeepFiles?: number;
  readonly flushIntervalMs?: number;
  readonly onFlushError?: (error: Error) => void;
  /** Routes whose colored requests count in sheetpipe_color_requests_total. Default: export-starting routes. */
  readonly coloredRoutes?: readonly string[];
  /** Access check for GET /debug/latency (throw or return false to refuse). Default: loopback clients only. */
  readonly authorize?: (request: FastifyRequest) => boolean | Promise<boolean>;
  /** Register GET /debug/latency. Default true. */
  readonly debugRoute?: boolean;
}

export interface Observability {
  readonly plugin: FastifyPluginCallback;
  readonly ring: LatencyRing;
  readonly routes: RouteTable;
  readonly sampler: TailSampler;
  readonly monitor: RuntimeMonitor;
  readonly coloring: ColoringMetrics;
  readonly flusher: LatencyFlusher | undefined;
  /** The body of GET /debug/latency. */
  slowest(minMs?: number, limit?: number): DebugLatency;
  /** Stops the monitors and flushes the log; idempotent (also run by the app's onClose). */
  close(): Promise<void>;
}

export const DEFAULT_COLORED_ROUTES = ['POST /v1/exports', 'GET /v1/reports/:name/download'];
const MAX_DEBUG_LIMIT = 10_000;

function queryNumber(value: unknown, name: string, fallback: number, valid: (n: number) => boolean, rule: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!valid(n)) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_PARAM', [name, `${String(value)} is not ${rule}`]);
  return n;
}

const isLoopback = (request: FastifyRequest): boolean => request.ip === '127.0.0.1' || request.ip === '::1' || request.ip === '::ffff:127.0.0.1';

/** A route's hooks option as a list. */
function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** Body parsing resumes on the socket's async context: re-enter the trace for the handler (routes with a body). */
const reenterTrace: preHandlerHookHandler = function (request, _reply, done) {
  if (request.sheetpipeTrace === null) done();
  else traceStorage.run(request.sheetpipeTrace, done);
};

/** onSend of routes with `config: { sheetpipeStreams: true }`: the time the body starts, and whether it streams. */
const markStreamStart: onSendHookHandler = function (request, _reply, payload, done) {
  request.sheetpipeTtfbNs = monotonicNs();
  request.sheetpipeStreamed = typeof (payload as { pipe?: unknown } | null)?.pipe === 'function';
  done(null, payload);
};

/**
 * For replies that bypass onSend (`reply.hijack()`: direct downloads, SSE): records the time of the first
 * byte and that the body streams. Call it just before writing the first byte; later calls do nothing.
 */
export function markFirstByte(request: FastifyRequest): void {
  if (!request.sheetpipeTrace || request.sheetpipeTtfbNs !== 0) return;
  request.sheetpipeTtfbNs = monotonicNs();
  request.sheetpipeStreamed = true;
}

export function createObservability(options: ObservabilityOptions = {}): Observability {
  const ring = options.ring ?? new LatencyRing(options.capacity ?? DEFAULT_RING_CAPACITY);
  const routes = new RouteTable();
  const sampler = new TailSampler(routes, {
    ...(options.thresholdMs === undefined ? {} : { thresholdMs: options.thresholdMs }),
    ...(options.sampleRates === undefined ? {} : { rates: options.sampleRates }),
    ...(options.defaultSampleRate === undefined ? {} : { defaultRate: options.defaultSampleRate }),
  });
  const monitor = new RuntimeMonitor(options.registry === undefined ? {} : { registry: options.registry });
  const coloring = new ColoringMetrics(options.registry);
  const flusher = options.latencyLog === undefined ? undefined : new LatencyFlusher({
    ring, routes, monitor, sampler, path: options.latencyLog,
    ...(options.latencyLogRotateBytes === undefined ? {} : { rotateBytes: options.latencyLogRotateBytes }),
    ...(options.latencyLogKeepFiles === undefined ? {} : { keepFiles: options.latencyLogKeepFiles }),
    ...(options.flushIntervalMs === undefined ? {} : { intervalMs: options.flushIntervalMs }),
    ...(options.onFlushError === undefined ? {} : { onError: options.onFlushError }),
  });
  const colored = new Set((options.coloredRoutes ?? DEFAULT_COLORED_ROUTES).map((route) => routes.idFor(route)));
  const authorize = options.authorize ?? isLoopback;
  // One scratch sample for the main thread: the record path allocates nothing (onResponse runs one at a time).
  const sample = emptySample();
  let catchUpTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  /** Route of a request that matched no single-method route (404s, `app.route({ method: [...] })`): rare, so a lookup. */
  const fallbackRouteId = (request: FastifyRequest): number => {
    const url = request.routeOptions.url;
    return url === undefined ? 0 : routes.idFor(`${request.method} ${url}`);
  };

  const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const endNs = monotonicNs();
    const ctx = request.sheetpipeTrace;
    if (ctx === null) return done();
    const startNs = request.sheetpipeStartNs;
    const latencyNs = endNs - startNs;
    const route = request.sheetpipeRoute;
    const routeId = route === null ? fallbackRouteId(request) : route.id;
    const status = reply.statusCode;
    // A colored request counts once it was accepted: a refused one (4xx/5xx) started no colored work.
    if (route?.colored === true && status < 400) coloring.request(ctx);
    const weight = sampler.keep(routeId, latencyNs);
    if (weight > 0) {
      traceIdWords(ctx.traceId, sample);
      const gcNs = monitor.gcPauseNs(startNs, endNs);
      sample.startNs = startNs;
      sample.latencyNs = latencyNs;
      sample.routeId = routeId;
      sample.status = status;
      sample.weight = weight;
      sample.flags = (latencyNs >= sampler.thresholdNs ? FLAG_SLOW : 0) | (request.sheetpipeStreamed ? FLAG_STREAMED : 0) | (gcNs > 0 ? FLAG_GC : 0);
      sample.ttfbUs = request.sheetpipeTtfbNs === 0 ? 0 : (request.sheetpipeTtfbNs - startNs) / 1e3;
      sample.queuedUs = request.sheetpipeQueuedMs * 1e3;
      sample.dbUs = request.sheetpipeDbMs * 1e3;
      sample.eventLoopUs = monitor.eventLoopStallNs(startNs, endNs) / 1e3;
      sample.gcUs = gcNs / 1e3;
      ring.write(sample);
    }
    if (ctx.recording) {
      ctx.span.setAttribute('http.response.status_code', status);
      if (route !== null) ctx.span.setAttribute('http.route', route.url);
    }
    ctx.end();
    done();
  };

  const plugin: FastifyPluginCallback = (app: FastifyInstance, _opts, next) => {
    app.decorateRequest('sheetpipeTrace', null);
    app.decorateRequest('sheetpipeQueuedMs', 0);
    app.decorateRequest('sheetpipeDbMs', 0);
    app.decorateRequest('sheetpipeStartNs', 0);
    app.decorateRequest('sheetpipeTtfbNs', 0);
    app.decorateRequest('sheetpipeStreamed', false);
    app.decorateRequest('sheetpipeRoute', null);

    app.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.idFor(`${method} ${route.url}`);
      // A single-method route carries its id, so the request path needs no string building or lookup.
      if (!Array.isArray(route.method)) {
        const key = `${route.method} ${route.url}`;
        const id = routes.idFor(key);
        route.config = { ...route.config, sheetpipeRoute: { id, key, url: route.url, colored: colored.has(id) } };
      }
      // Route-level, not global: a preHandler or onSend hook on every route costs fastify's fast path
      // (measured with inject(): the two trivial global hooks took 11 % of a status read).
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.some((method) => method !== 'GET' && method !== 'HEAD')) route.preHandler = [reenterTrace, ...hookList(route.preHandler)];
      if (route.config?.sheetpipeStreams === true) route.onSend = [markStreamStart, ...hookList(route.onSend)];
    });

    app.addHook('onRequest', (request, reply, done) => {
      // monotonicNs(): the process.hrtime.bigint() scale without a BigInt per call.
      request.sheetpipeStartNs = monotonicNs();
      // request.routeOptions builds an object per call: read it once.
      const route = request.routeOptions.config?.sheetpipeRoute ?? null;
      request.sheetpipeRoute = route;
      const ctx = new TraceContext(request.headers as TraceHeaders, route?.key ?? `${request.method} ${request.routeOptions.url ?? UNMATCHED_ROUTE}`);
      request.sheetpipeTrace = ctx;
      // Set now rather than in an onSend hook (see onRoute). Hijacked replies set it themselves.
      reply.header('traceparent', ctx.traceparent);
      traceStorage.run(ctx, done);
    });

    app.addHook('onResponse', onResponse);
    app.addHook('onReady', (done) => {
      monitor.start();
      flusher?.start();
      // Without a flusher nothing drains: keep the overwritten count exact past 2^30 writes.
      if (flusher === undefined) catchUpTimer = setInterval(() => ring.catchUp(), 10_000).unref();
      done();
    });
    app.addHook('onClose', (_instance, done) => {
      observability.close().then(() => done(), done);
    });

    if (options.debugRoute !== false) {
      app.get('/debug/latency', async (request) => {
        if (!(await authorize(request))) throw new SheetpipeError('SHEETPIPE_ERR_OBSERVABILITY_FORBIDDEN', ['/debug/latency']);
        const query = request.query as Record<string, unknown>;
        const minMs = queryNumber(query.minMs, 'minMs', 0, (n) => Number.isFinite(n) && n >= 0, 'a number of milliseconds >= 0');
        const limit = queryNumber(query.limit, 'limit', 100, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_DEBUG_LIMIT, `an integer from 1 to ${MAX_DEBUG_LIMIT}`);
        return observability.slowest(minMs, limit);
      });
    }
    next();
  };
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'sheetpipe-observability' });

  const observability: Observability = {
    plugin, ring, routes, sampler, monitor, coloring, flusher,
    slowest: (minMs = 0, limit = 100) => slowest(ring, routes, { minMs, limit, monitor }),
    close: () => (closing ??= (async () => {
      clearInterval(catchUpTimer);
      monitor.stop();
      await flusher?.close();
    })()),
  };
  return observability;
}
