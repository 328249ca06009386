/**
 * The observability plugin for the service's fastify app: trace context per request (W3C headers in,
 * `traceparent` out, AsyncLocalStorage, an OpenTelemetry server span), the latency record of every kept
 * request (latency to the last byte, TTFB, queued/db time the route reports, event-loop stall and GC
 * overlap), and `GET /debug/latency`. It skips fastify's encapsulation (`skip-override`) so its hooks
 * see every route registered after it. The per-request hooks are in request-hooks.ts.
 *
 * @example
 *   const obs = createObservability({ registry, latencyLog: join(storageDir, 'latency.bin'), authorize: isAdmin });
 *   await app.register(obs.plugin);      // before the routes
 *   // in a route: request.sheetpipeQueuedMs = msWaited; request.sheetpipeDbMs += msInQueries
 *   await app.close();                   // flushes the log (obs.close() runs in onClose)
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { SheetpipeError } from '../errors.js';
import { slowest, type DebugLatency } from './attribution.js';
import { ColoringMetrics } from './coloring.js';
import { LatencyFlusher } from './flusher.js';
import { DEFAULT_RING_CAPACITY, LatencyRing } from './latency-ring.js';
import { registerRequestHooks } from './request-hooks.js';
import { RouteTable } from './route-table.js';
import { RuntimeMonitor } from './runtime-monitor.js';
import { TailSampler } from './sampler.js';
import { asyncContextIsCheap } from './trace-context.js';

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
  /**
   * Enter each request's trace context into AsyncLocalStorage, so currentTrace() works in handlers.
   * Default: where that is cheap (asyncContextIsCheap(): Node 24+). On Node 20 AsyncLocalStorage
   * runs on async_hooks and costs every promise of the process (measured: ~4 % of a status read).
   */
  readonly asyncContext?: boolean;
}

/** What configure() changes on a running service (its config reload): sampling and coloring. */
export type ObservabilityRules = Pick<ObservabilityOptions, 'thresholdMs' | 'sampleRates' | 'defaultSampleRate' | 'coloredRoutes'>;

export interface Observability {
  readonly plugin: FastifyPluginCallback;
  readonly ring: LatencyRing;
  readonly routes: RouteTable;
  readonly sampler: TailSampler;
  readonly monitor: RuntimeMonitor;
  readonly coloring: ColoringMetrics;
  readonly flusher: LatencyFlusher | undefined;
  /** Whether requests run inside AsyncLocalStorage (the asyncContext option, resolved). */
  readonly asyncContext: boolean;
  /** The body of GET /debug/latency. */
  slowest(minMs?: number, limit?: number): DebugLatency;
  /**
   * Swaps the sampling threshold and rates and the colored routes for the requests from now on (omitted ones
   * return to their defaults). Checked whole before anything changes.
   * @throws SheetpipeError SHEETPIPE_ERR_OBSERVABILITY_OPTION for a rate outside 0…1 or a negative threshold.
   */
  configure(rules: ObservabilityRules): void;
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
  const coloredIds = (list: readonly string[] | undefined): ReadonlySet<number> => new Set((list ?? DEFAULT_COLORED_ROUTES).map((route) => routes.idFor(route)));
  // Replaced whole by configure(), never changed in place.
  let coloredSet = coloredIds(options.coloredRoutes);
  const colored = (routeId: number): boolean => coloredSet.has(routeId);
  const authorize = options.authorize ?? isLoopback;
  const asyncContext = options.asyncContext ?? asyncContextIsCheap();
  let catchUpTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  const plugin: FastifyPluginCallback = (app: FastifyInstance, _opts, next) => {
    registerRequestHooks(app, { ring, routes, sampler, monitor, coloring, colored, asyncContext });
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
    plugin, ring, routes, sampler, monitor, coloring, flusher, asyncContext,
    slowest: (minMs = 0, limit = 100) => slowest(ring, routes, { minMs, limit, monitor }),
    configure: (rules) => {
      sampler.configure({
        ...(rules.thresholdMs === undefined ? {} : { thresholdMs: rules.thresholdMs }),
        ...(rules.sampleRates === undefined ? {} : { rates: rules.sampleRates }),
        ...(rules.defaultSampleRate === undefined ? {} : { defaultRate: rules.defaultSampleRate }),
      });
      coloredSet = coloredIds(rules.coloredRoutes);
    },
    close: () => (closing ??= (async () => {
      clearInterval(catchUpTimer);
      monitor.stop();
      await flusher?.close();
    })()),
  };
  return observability;
}
