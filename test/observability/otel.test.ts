// A registered tracer provider sees real spans: the server span is parented on the caller's
// traceparent, its ids are the ones echoed, and the plugin ends it with the route and status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { trace, type Attributes, type AttributeValue, type Context, type Span, type SpanContext, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { createObservability } from '../../src/observability/fastify-plugin.js';
import { TraceContext, restoreTrace, serializeTrace, startChildSpan } from '../../src/observability/trace-context.js';

interface Recorded { name: string; context: SpanContext; parent: SpanContext | undefined; attributes: Attributes; ended: boolean; kind: number | undefined }
const spans: Recorded[] = [];

class RecordingSpan implements Span {
  constructor(readonly record: Recorded) {}
  spanContext(): SpanContext { return this.record.context; }
  setAttribute(key: string, value: AttributeValue): this { this.record.attributes[key] = value; return this; }
  setAttributes(attributes: Attributes): this { Object.assign(this.record.attributes, attributes); return this; }
  addEvent(): this { return this; }
  addLink(): this { return this; }
  addLinks(): this { return this; }
  setStatus(): this { return this; }
  updateName(name: string): this { this.record.name = name; return this; }
  end(): void { this.record.ended = true; }
  isRecording(): boolean { return !this.record.ended; }
  recordException(): void {}
}

const tracer: Tracer = {
  startSpan(name: string, options: SpanOptions = {}, context?: Context): Span {
    const parent = context === undefined ? undefined : trace.getSpanContext(context);
    const record: Recorded = {
      name, parent, kind: options.kind, attributes: { ...options.attributes }, ended: false,
      context: { traceId: parent?.traceId ?? randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 1 },
    };
    spans.push(record);
    return new RecordingSpan(record);
  },
  startActiveSpan(): never {
    throw new Error('not used by sheetpipe');
  },
};
const provider: TracerProvider = { getTracer: () => tracer };

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

test('with a tracer provider registered, sheetpipe makes real, correctly parented spans', async () => {
  assert.ok(trace.setGlobalTracerProvider(provider));
  const ctx = new TraceContext({ traceparent: `00-${TRACE}-${PARENT}-01` }, 'GET /x');
  const server = spans.at(-1)!;
  assert.equal(server.parent?.spanId, PARENT);
  assert.equal(server.parent?.isRemote, true);
  assert.equal(ctx.spanId, server.context.spanId, 'the echoed span id is the exported span');
  const child = startChildSpan('query', ctx);
  assert.equal(spans.at(-1)!.parent?.spanId, ctx.spanId);
  child.end();
  const job = restoreTrace(serializeTrace(ctx));
  assert.equal(spans.at(-1)!.parent?.spanId, ctx.spanId, 'a restored job span is a child of the server span');
  assert.equal(job.traceId, TRACE);

  const obs = createObservability({ debugRoute: false });
  const app = Fastify();
  await app.register(obs.plugin);
  app.get('/v1/exports/:id', async () => ({ ok: true }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const response = await fetch(`${base}/v1/exports/7`, { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    await response.arrayBuffer();
    const span = spans.find((s) => s.name === 'GET /v1/exports/:id')!;
    assert.ok(span, 'the plugin started a server span named after the route');
    assert.equal(span.kind, 1 /* SpanKind.SERVER */);
    assert.equal(response.headers.get('traceparent'), `00-${TRACE}-${span.context.spanId}-01`);
    assert.equal(span.ended, true);
    assert.deepEqual(span.attributes, { 'http.response.status_code': 200, 'http.route': '/v1/exports/:id' });
  } finally {
    await app.close();
  }
});
