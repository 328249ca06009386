import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBaggage, parseTraceparent, parseTracestate, formatBaggage, BAGGAGE_MAX_MEMBERS } from '../../src/observability/trace-headers.js';
import {
  TraceContext, currentTrace, fileProperties, isSerializedTrace, logBindings, restoreTrace, runWithTrace, serializeTrace, sqlComment,
} from '../../src/observability/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

test('traceparent: version 00 parses; the spec edge cases are treated as absent', () => {
  assert.deepEqual(parseTraceparent(VALID), { traceId: TRACE, spanId: SPAN, traceFlags: 1 });
  assert.deepEqual(parseTraceparent(`  ${VALID.replace(/-01$/, '-00')} `), { traceId: TRACE, spanId: SPAN, traceFlags: 0 });
  const invalid = [
    undefined, '', 'garbage',
    `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
    `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
    `ff-${TRACE}-${SPAN}-01`, // version ff is forbidden
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, // upper-case hex
    `00-${TRACE.slice(0, 31)}g-${SPAN}-01`, // not hex
    `00-${TRACE}-${SPAN}-01-extra`, // version 00 has exactly four fields
    `00-${TRACE}-${SPAN}-1`, // short flags
    `00_${TRACE}_${SPAN}_01`,
    [VALID, VALID], // repeated header
  ];
  for (const header of invalid) assert.equal(parseTraceparent(header), undefined, String(header));
  // A later version may append fields (forward compatibility), but only after a dash.
  assert.equal(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-holds`)?.traceId, TRACE);
  assert.equal(parseTraceparent(`cc-${TRACE}-${SPAN}-01x`), undefined);
  assert.equal(parseTracestate('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  assert.equal(parseTracestate('a=\u0001'), undefined);
});

test('baggage: members, properties, percent-decoding, invalid members skipped, limits', () => {
  const bag = parseBaggage(' color = canary ; ttl=30;flag , user=J%C3%B6rg%20M ,bad key=1, broken=%E0%A4%A, =novalue, ok=1');
  assert.deepEqual([...bag.keys()], ['color', 'user', 'ok']);
  assert.deepEqual(bag.get('color'), { value: 'canary', properties: ['ttl=30', 'flag'] });
  assert.equal(bag.get('user')?.value, 'Jörg M');
  assert.equal(parseBaggage(['a=1', 'b=2,a=3']).get('a')?.value, '3', 'several headers join; the last value of a key wins');
  assert.equal(parseBaggage('k="quoted"').size, 0, 'a double quote is not a baggage-octet');
  const many = Array.from({ length: 100 }, (_, i) => `k${i}=v`).join(',');
  assert.equal(parseBaggage(many).size, BAGGAGE_MAX_MEMBERS);
  const big = `first=1,huge=${'x'.repeat(8200)},after=2`;
  assert.deepEqual([...parseBaggage(big).keys()], ['first'], 'members past 8192 bytes are dropped whole');
  assert.equal(formatBaggage(parseBaggage('color=canary;p=1,user=J%C3%B6rg%20M')), 'color=canary;p=1,user=J%C3%B6rg%20M');
});

test('a context keeps the caller trace id, mints a server span id, and echoes traceparent', () => {
  const ctx = new TraceContext({ traceparent: VALID, baggage: 'color=canary' }, 'GET /x');
  assert.equal(ctx.traceId, TRACE);
  assert.equal(ctx.parentSpanId, SPAN);
  assert.match(ctx.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(ctx.spanId, SPAN);
  assert.equal(ctx.traceparent, `00-${TRACE}-${ctx.spanId}-01`);
  assert.equal(ctx.color, 'canary');
  const fresh = new TraceContext({ traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` }, 'GET /x');
  assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(fresh.traceId, '0'.repeat(32));
  assert.equal(fresh.parentSpanId, undefined, 'an invalid traceparent counts as absent');
  assert.notEqual(new TraceContext({}, 'x').traceId, fresh.traceId);
  assert.equal(new TraceContext({ baggage: 'color=not ok' }, 'x').color, undefined, 'a color must be a plain token');
  assert.equal(new TraceContext({ baggage: "color=a'b" }, 'x').color, undefined);
});

test('sqlComment: sqlcommenter body with URL-encoded values that cannot close the comment', () => {
  const ctx = new TraceContext({ traceparent: VALID, baggage: 'color=canary' }, 'x');
  assert.equal(sqlComment(ctx), `traceparent='00-${TRACE}-${ctx.spanId}-01',color='canary'`);
  const tricky = new TraceContext({ traceparent: VALID, tracestate: "vendor=a*/b'c" }, 'x');
  const body = sqlComment(tricky);
  assert.ok(!body.includes('*/'), body);
  assert.match(body, /,tracestate='vendor%3Da%2A%2Fb%27c'$/);
  assert.equal(sqlComment(new TraceContext({}, 'x')).includes('color'), false);
});

test('serialised form carries trace id, parent span and color into a worker or job; ALS holds the context', async () => {
  const ctx = new TraceContext({ traceparent: VALID, baggage: 'color=canary,tenant=acme' }, 'POST /v1/exports');
  const data = JSON.parse(JSON.stringify(serializeTrace(ctx))) as unknown;
  assert.ok(isSerializedTrace(data));
  assert.equal(isSerializedTrace({ traceparent: 1 }), false);
  const restored = restoreTrace(data);
  assert.equal(restored.traceId, TRACE);
  assert.equal(restored.parentSpanId, ctx.spanId, 'the job span is a child of the server span');
  assert.equal(restored.color, 'canary');
  assert.equal(restored.baggage.get('tenant')?.value, 'acme');
  assert.deepEqual(fileProperties(restored), { traceId: TRACE, color: 'canary' });
  assert.deepEqual(logBindings(restored), { traceId: TRACE, spanId: restored.spanId, color: 'canary' });
  assert.equal(currentTrace(), undefined);
  await runWithTrace(ctx, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(currentTrace(), ctx, 'the context survives an await');
  });
});
