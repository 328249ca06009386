/**
 * The trace context of one request or job: ids, baggage and color, kept in AsyncLocalStorage and
 * carried to worker threads, job records, SQL statements, log lines, response headers and the output
 * file. Spans go through `@opentelemetry/api`: with a registered tracer provider a user's exporter sees
 * real server spans (parented on the caller's `traceparent`); without one the API is a no-op and the
 * ids below are generated here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import {
  ProxyTracerProvider, ROOT_CONTEXT, SpanKind, createTraceState, isSpanContextValid, trace, type Attributes, type Context, type Span,
} from '@opentelemetry/api';
import { formatBaggage, formatTraceparent, parseBaggage, parseTraceparent, parseTracestate, strictEncode, type Baggage, type RemoteParent } from './trace-headers.js';

const tracer = trace.getTracer('sheetpipe');

/** What the OpenTelemetry API delegates to while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether a tracer provider (an SDK) is registered. Without one, a context skips the API's context and
 * span objects (measured: 1-2 µs per request with a traceparent header) and mints its ids itself.
 * An API without `getDelegate` is treated as registered: slower, never wrong.
 */
function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  return provider.getDelegate === undefined || provider.getDelegate() !== NOOP_PROVIDER;
}

/**
 * Ids come from a pooled random buffer: one randomFillSync per 170 requests instead of one per id, and
 * two hex digits per byte from a table (measured 170 ns per span id against 220 ns for a Buffer
 * toString per id). Not slices of one long hex string (30 ns): a slice would keep the whole pool
 * string alive for as long as a job record holds its trace id.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
function randomHex(bytes: 8 | 16): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    let hex = '';
    let zero = true;
    for (let i = poolOffset, end = poolOffset + bytes; i < end; i++) {
      const byte = pool[i]!;
      hex += BYTE_HEX[byte]!;
      if (byte !== 0) zero = false;
    }
    poolOffset += bytes;
    if (!zero) return hex; // all-zero ids are invalid
  }
}

const COLOR = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NO_BAGGAGE: Baggage = new Map();

/** Incoming headers that carry a trace (Node's IncomingHttpHeaders fits). */
export interface TraceHeaders {
  readonly traceparent?: string | string[] | undefined;
  readonly tracestate?: string | string[] | undefined;
  readonly baggage?: string | string[] | undefined;
}

/** The ids of a new context: from the SDK's span when one is registered, else minted here. */
interface Ids {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly span: Span | undefined;
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
  /** Bitmask of coloring hops already counted for this context (see ColoringMetrics). */
  hops = 0;
  readonly #parent: RemoteParent | undefined;
  readonly #baggageHeader: string | string[] | undefined;
  // Lazy: most requests never read their baggage, OpenTelemetry context or span (measured 0.7 µs for `color=canary`).
  #baggage: Baggage | undefined;
  #color: string | undefined | null = null;
  #span: Span | undefined;
  #parentContext: Context | undefined;
  #otelContext: Context | undefined;
  #traceparent: string | undefined;

  constructor(headers: TraceHeaders, name: string, kind: SpanKind = SpanKind.SERVER, attributes?: Attributes) {
    const parent = parseTraceparent(headers.traceparent);
    this.#parent = parent;
    this.tracestate = parent === undefined ? undefined : parseTracestate(headers.tracestate);
    this.#baggageHeader = headers.baggage;
    this.parentSpanId = parent?.spanId;
    const ids = (tracingRegistered() ? this.#startSdkSpan(name, kind, attributes) : undefined) ?? {
      // The no-op API echoes the parent (or nothing): mint the server span id here.
      traceId: parent?.traceId ?? randomHex(16),
      spanId: randomHex(8),
      traceFlags: parent?.traceFlags ?? 1,
      span: undefined,
    };
    this.traceId = ids.traceId;
    this.spanId = ids.spanId;
    this.traceFlags = ids.traceFlags;
    this.#span = ids.span;
  }

  /** The W3C baggage members (the `baggage` header, parsed on first use). */
  get baggage(): Baggage {
    return (this.#baggage ??= this.#baggageHeader === undefined ? NO_BAGGAGE : parseBaggage(this.#baggageHeader));
  }

  /** `color` from the baggage, when it is a plain token (it becomes a metric label and a document property). */
  get color(): string | undefined {
    if (this.#color === null) {
      const value = this.baggage.get('color')?.value;
      this.#color = value !== undefined && COLOR.test(value) ? value : undefined;
    }
    return this.#color;
  }

  /** The OpenTelemetry span: the SDK's when one is registered, else a non-recording span with these ids. */
  get span(): Span {
    return (this.#span ??= trace.wrapSpanContext({ traceId: this.traceId, spanId: this.spanId, traceFlags: this.traceFlags, isRemote: false }));
  }

  /** Whether an SDK records the span (then attributes are worth building). */
  get recording(): boolean {
    return this.#span?.isRecording() ?? false;
  }

  /** Ends the span; free when none was made (no SDK, span never read). */
  end(): void {
    this.#span?.end();
  }

  /** An OpenTelemetry Context holding this span, to parent child spans (`tracer.startSpan(n, {}, ctx.otelContext)`). */
  get otelContext(): Context {
    return (this.#otelContext ??= trace.setSpan(this.#remoteParentContext(), this.span));
  }

  /** `traceparent` for the response and for downstream calls: same trace id, this server's span id. */
  get traceparent(): string {
    return (this.#traceparent ??= formatTraceparent(this.traceId, this.spanId, this.traceFlags));
  }

  #remoteParentContext(): Context {
    const parent = this.#parent;
    return (this.#parentContext ??= parent === undefined
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
          ...parent,
          isRemote: true,
          ...(this.tracestate === undefined ? {} : { traceState: createTraceState(this.tracestate) }),
        }));
  }

  /** A real SDK span, parented on the caller's; undefined when the SDK made none (e.g. a no-op delegate). */
  #startSdkSpan(name: string, kind: SpanKind, attributes: Attributes | undefined): Ids | undefined {
    const span = tracer.startSpan(name, attributes === undefined ? { kind } : { kind, attributes }, this.#remoteParentContext());
    const started = span.spanContext();
    // Its ids are the ones its exporter reports.
    if (isSpanContextValid(started) && started.spanId !== this.#parent?.spanId) return { traceId: started.traceId, spanId: started.spanId, traceFlags: started.traceFlags, span };
    return undefined;
  }
}

export const traceStorage = new AsyncLocalStorage<TraceContext>();

/**
 * Whether AsyncLocalStorage costs (almost) nothing per promise here: it does when built on AsyncContextFrame
 * (Node 24+, or 22.7+ with --experimental-async-context-frame). Before that it runs on async_hooks, and once
 * used it taxes every promise and tick of the thread (measured on Node 20: ~100 ns each, ~4 % of a status read).
 */
export function asyncContextIsCheap(): boolean {
  const major = Number(process.versions.node.split('.')[0]);
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.includes('--no-async-context-frame')) return false;
  return major >= 24 || (major >= 22 && flags.includes('--experimental-async-context-frame'));
}

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
