/**
 * The trace context of one request or job: ids, baggage and color, kept in AsyncLocalStorage and
 * carried to worker threads, job records, SQL statements, log lines, response headers and the output
 * file. Spans go through `@opentelemetry/api`: with a registered tracer provider a user's exporter sees
 * real server spans (parented on the caller's `traceparent`); without one the API is a no-op and the
 * ids below are generated here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, createTraceState, isSpanContextValid, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { formatBaggage, formatTraceparent, parseBaggage, parseTraceparent, parseTracestate, strictEncode, type Baggage } from './trace-headers.js';

const tracer = trace.getTracer('sheetpipe');

/** Ids come from a pooled random buffer: one randomFillSync per 256 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, (poolOffset += bytes));
    if (!/^0+$/.test(hex)) return hex; // all-zero ids are invalid
  }
}

const COLOR = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Incoming headers that carry a trace (Node's IncomingHttpHeaders fits). */
export interface TraceHeaders {
  readonly traceparent?: string | string[] | undefined;
  readonly tracestate?: string | string[] | undefined;
  readonly baggage?: string | string[] | undefined;
}

export class TraceContext {
  /** 32 hex: the caller's trace id, or a new one when it sent none (or an invalid one). */
  readonly traceId: string;
  /** 16 hex: this server's span. */
  readonly spanId: string;
  /** The caller's span id when it sent a valid traceparent. */
  readonly parentSpanId: string | undefined;
  readonly traceFlags: number;
  readonly tracestate: string | undefined;
  readonly baggage: Baggage;
  /** `color` from the baggage, when it is a plain token (it becomes a metric label and a document property). */
  readonly color: string | undefined;
  /** The OpenTelemetry span (non-recording when no provider is registered). End it when the work ends. */
  readonly span: Span;
  /** Bitmask of coloring hops already counted for this context (see ColoringMetrics). */
  hops = 0;
  readonly #parentContext: Context;
  #otelContext: Context | undefined;

  constructor(headers: TraceHeaders, name: string, kind: SpanKind = SpanKind.SERVER, attributes?: Attributes) {
    const parent = parseTraceparent(headers.traceparent);
    this.tracestate = parent === undefined ? undefined : parseTracestate(headers.tracestate);
    this.baggage = parseBaggage(headers.baggage);
    const color = this.baggage.get('color')?.value;
    this.color = color !== undefined && COLOR.test(color) ? color : undefined;
    this.#parentContext = parent === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          ...parent,
          isRemote: true,
          ...(this.tracestate === undefined ? {} : { traceState: createTraceState(this.tracestate) }),
        });
    const span = tracer.startSpan(name, attributes === undefined ? { kind } : { kind, attributes }, this.#parentContext);
    const started = span.spanContext();
    this.parentSpanId = parent?.spanId;
    if (isSpanContextValid(started) && started.spanId !== parent?.spanId) {
      // A real SDK made the span: its ids are the ones its exporter reports.
      this.traceId = started.traceId;
      this.spanId = started.spanId;
      this.traceFlags = started.traceFlags;
      this.span = span;
    } else {
      // The no-op API echoes the parent (or nothing): mint the server span id here.
      this.traceId = parent?.traceId ?? randomHex(16);
      this.spanId = randomHex(8);
      this.traceFlags = parent?.traceFlags ?? 1;
      this.span = trace.wrapSpanContext({ traceId: this.traceId, spanId: this.spanId, traceFlags: this.traceFlags, isRemote: false });
    }
  }

  /** An OpenTelemetry Context holding this span, to parent child spans (`tracer.startSpan(n, {}, ctx.otelContext)`). */
  get otelContext(): Context {
    return (this.#otelContext ??= trace.setSpan(this.#parentContext, this.span));
  }

  /** `traceparent` for the response and for downstream calls: same trace id, this server's span id. */
  get traceparent(): string {
    return formatTraceparent(this.traceId, this.spanId, this.traceFlags);
  }
}

export const traceStorage = new AsyncLocalStorage<TraceContext>();

/** The trace context of the running request or job, if any. */
export function currentTrace(): TraceContext | undefined {
  return traceStorage.getStore();
}

/** Runs `fn` with `ctx` as the current trace context. */
export function runWithTrace<T>(ctx: TraceContext, fn: () => T): T {
  return traceStorage.run(ctx, fn);
}

/** Starts a child span of `ctx` (e.g. around a query or a worker task). End it yourself. */
export function startChildSpan(name: string, ctx: TraceContext | undefined = currentTrace(), attributes?: Attributes): Span {
  return tracer.startSpan(name, attributes === undefined ? {} : { attributes }, ctx?.otelContext ?? ROOT_CONTEXT);
}

/**
 * sqlcommenter body for `ctx` (without the comment delimiters): `traceparent='00-…-01',color='canary'`.
 * Values are percent-encoded with only unreserved characters left, so `'`, `*` and `/` cannot appear
 * in them and `*` `/` can never close the comment.
 */
export function sqlComment(ctx: TraceContext): string {
  let body = `traceparent='${strictEncode(ctx.traceparent)}'`;
  if (ctx.tracestate !== undefined) body += `,tracestate='${strictEncode(ctx.tracestate)}'`;
  if (ctx.color !== undefined) body += `,color='${strictEncode(ctx.color)}'`;
  return body;
}

/** Fields for log lines (`logger.child(logBindings(ctx))`). */
export function logBindings(ctx: TraceContext): { traceId: string; spanId: string; color?: string } {
  return ctx.color === undefined ? { traceId: ctx.traceId, spanId: ctx.spanId } : { traceId: ctx.traceId, spanId: ctx.spanId, color: ctx.color };
}

/** Custom document properties for the output file: `traceId` (32 hex) and `color` when there is one. */
export function fileProperties(ctx: TraceContext): Record<string, string> {
  return ctx.color === undefined ? { traceId: ctx.traceId } : { traceId: ctx.traceId, color: ctx.color };
}

/** The plain-JSON form of a trace context: for worker threads (postMessage), job records and BullMQ job data. */
export interface SerializedTrace {
  /** Names the span that did the serialising as the parent of whatever restores it. */
  readonly traceparent: string;
  readonly tracestate?: string;
  /** Header form of the baggage (it carries `color`). */
  readonly baggage?: string;
}

export function serializeTrace(ctx: TraceContext): SerializedTrace {
  const baggage = formatBaggage(ctx.baggage);
  return {
    traceparent: ctx.traceparent,
    ...(ctx.tracestate === undefined ? {} : { tracestate: ctx.tracestate }),
    ...(baggage === '' ? {} : { baggage }),
  };
}

/** Runtime guard for data read back from a job store or queue. */
export function isSerializedTrace(value: unknown): value is SerializedTrace {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.traceparent === 'string' && (v.tracestate === undefined || typeof v.tracestate === 'string') && (v.baggage === undefined || typeof v.baggage === 'string');
}

/**
 * Rebuilds a context from its serialised form, as a child span (`kind`, default CONSUMER: a queued job
 * or a worker task) of the span that serialised it: same trace id, same baggage and color.
 */
export function restoreTrace(data: SerializedTrace, name = 'sheetpipe.job', kind: SpanKind = SpanKind.CONSUMER): TraceContext {
  return new TraceContext(data, name, kind);
}
