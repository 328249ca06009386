/**
 * The per-request part of the observability plugin, kept small because it runs on every request:
 *
 *   onRoute        gives each single-method route its id, name and coloring flag, and route-level hooks:
 *                  onRequest (every route), preHandler (routes with a body, when AsyncLocalStorage is on),
 *                  onSend (routes with `config: { sheetpipeStreams: true }`)
 *   onRequest      trace context from the W3C headers, `traceparent` response header, AsyncLocalStorage
 *   onResponse     (global) the latency record, coloring request count, end of the span
 *
 * Measured with inject() on a status read: global preHandler + onSend hooks, even empty, cost ~10 %;
 * `request.routeOptions` builds an object per call. So hooks are route-level where they can be, the
 * route's data sits in the hook's closure, and the start time is fastify's own (`reply.elapsedTime`,
 * taken when fastify starts handling the request, before any hook).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, onSendHookHandler, preHandlerHookHandler } from 'fastify';
import { monotonicNs } from './clock.js';
import type { ColoringMetrics } from './coloring.js';
import { FLAG_GC, FLAG_SLOW, FLAG_STREAMED, emptySample, traceIdWords } from './latency-record.js';
import type { LatencyRing } from './latency-ring.js';
import { UNMATCHED_ROUTE, type RouteTable } from './route-table.js';
import type { RuntimeMonitor } from './runtime-monitor.js';
import type { TailSampler } from './sampler.js';
import { TraceContext, traceStorage, type TraceHeaders } from './trace-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace context (with AsyncLocalStorage on, also currentTrace()); null before its route's onRequest. */
    sheetpipeTrace: TraceContext | null;
    /** Set by a route: ms this request waited behind the concurrency limit. */
    sheetpipeQueuedMs: number;
    /** Set (or added to) by a route: ms this request waited for the database. */
    sheetpipeDbMs: number;
    /** Set by the plugin (routes with sheetpipeStreams) or by markFirstByte (hijacked replies). */
    sheetpipeTtfbNs: number;
    sheetpipeStreamed: boolean;
    sheetpipeRoute: SheetpipeRoute | null;
  }
  interface FastifyContextConfig {
    /** Set on a route whose replies stream (e.g. a file): its time to first byte is recorded. */
    sheetpipeStreams?: boolean;
  }
}

/** What the plugin knows of a single-method route. */
interface SheetpipeRoute {
  readonly id: number;
  /** `GET /v1/exports/:id`: the route's name in records and spans. */
  readonly key: string;
  readonly url: string;
}

export interface RequestHookParts {
  readonly ring: LatencyRing;
  readonly routes: RouteTable;
  readonly sampler: TailSampler;
  readonly monitor: RuntimeMonitor;
  readonly coloring: ColoringMetrics;
  /** Whether a route id's colored requests count; asked per response, so a reconfiguration applies at once. */
  readonly colored: (routeId: number) => boolean;
  /** Enter each request's context into AsyncLocalStorage. */
  readonly asyncContext: boolean;
}

function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** Body parsing resumes on the socket's async context: re-enter the trace for the handler. */
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

/** Registers the decorations and hooks on `app` (the plugin's scope, which skips encapsulation). */
export function registerRequestHooks(app: FastifyInstance, parts: RequestHookParts): void {
  const { ring, routes, sampler, monitor, coloring, colored, asyncContext } = parts;
  // One scratch sample for the main thread: the record path allocates nothing (onResponse runs one at a time).
  const sample = emptySample();

  app.decorateRequest('sheetpipeTrace', null);
  app.decorateRequest('sheetpipeQueuedMs', 0);
  app.decorateRequest('sheetpipeDbMs', 0);
  app.decorateRequest('sheetpipeTtfbNs', 0);
  app.decorateRequest('sheetpipeStreamed', false);
  app.decorateRequest('sheetpipeRoute', null);

  const enter = (request: FastifyRequest, reply: FastifyReply, route: SheetpipeRoute | null, name: string, done: () => void): void => {
    const ctx = new TraceContext(request.headers as TraceHeaders, name);
    request.sheetpipeTrace = ctx;
    request.sheetpipeRoute = route;
    // Set here rather than in an onSend hook (see above). Hijacked replies set it themselves.
    reply.header('traceparent', ctx.traceparent);
    if (asyncContext) traceStorage.run(ctx, done);
    else done();
  };

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.idFor(`${method} ${route.url}`);
    let onRequest: onRequestHookHandler;
    if (methods.length === 1) {
      const key = `${methods[0]} ${route.url}`;
      const id = routes.idFor(key);
      const known: SheetpipeRoute = { id, key, url: route.url };
      onRequest = (request, reply, done) => enter(request, reply, known, key, done);
    } else {
      onRequest = (request, reply, done) => enter(request, reply, null, `${request.method} ${route.url}`, done);
    }
    route.onRequest = [...hookList(route.onRequest), onRequest];
    if (asyncContext && methods.some((method) => method !== 'GET' && method !== 'HEAD')) route.preHandler = [reenterTrace, ...hookList(route.preHandler)];
    if (route.config?.sheetpipeStreams === true) route.onSend = [markStreamStart, ...hookList(route.onSend)];
  });

  /** Route of a request without a known single-method route (404s, multi-method routes): rare, so a lookup. */
  const routeIdOf = (request: FastifyRequest): number => {
    const route = request.sheetpipeRoute;
    if (route !== null) return route.id;
    const url = request.routeOptions.url;
    return url === undefined ? 0 : routes.idFor(`${request.method} ${url}`);
  };

  app.addHook('onResponse', (request, reply, done) => {
    // fastify's start (before any hook) to its end (last byte): no clock read for the 99 % not kept.
    const latencyNs = reply.elapsedTime * 1e6;
    const routeId = routeIdOf(request);
    const status = reply.statusCode;
    // Answers that never reached a route's onRequest (404s, auth failures before it) get their context here.
    const ctx = request.sheetpipeTrace ?? new TraceContext(request.headers as TraceHeaders, `${request.method} ${request.routeOptions.url ?? UNMATCHED_ROUTE}`);
    // A colored request counts once it was accepted: a refused one (4xx/5xx) started no colored work.
    const known = request.sheetpipeRoute;
    if (known !== null && status < 400 && colored(known.id)) coloring.request(ctx);
    const weight = sampler.keep(routeId, latencyNs);
    if (weight > 0) {
      // On our clock, for the GC / stall windows; fastify's end was microseconds earlier.
      const endNs = monotonicNs();
      const startNs = endNs - latencyNs;
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
      if (request.sheetpipeRoute !== null) ctx.span.setAttribute('http.route', request.sheetpipeRoute.url);
    }
    ctx.end();
    done();
  });
}
