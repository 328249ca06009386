/** Public surface of src/observability (see docs/observability.md). */
export { createObservability, DEFAULT_COLORED_ROUTES, type Observability, type ObservabilityOptions } from './fastify-plugin.js';
export { markFirstByte } from './request-hooks.js';
export { LatencyRing, DEFAULT_RING_CAPACITY, type LatencyRingCounters } from './latency-ring.js';
export { RECORD_BYTES, FLAG_GC, FLAG_SLOW, FLAG_STREAMED, traceIdWords, type LatencyRecord, type LatencySample } from './latency-record.js';
export { RouteTable, UNMATCHED_ROUTE } from './route-table.js';
export { TailSampler, DEFAULT_SAMPLE_RATES, type SamplerOptions } from './sampler.js';
export { LatencyFlusher, type FlusherOptions } from './flusher.js';
export { RuntimeMonitor, type RuntimeMonitorOptions } from './runtime-monitor.js';
export { ColoringMetrics, type ColorHop } from './coloring.js';
export { classify, slowest, SPIKE_CAUSES, type SpikeCause, type DebugLatency, type DebugLatencyRecord } from './attribution.js';
export { latencyReport, buildLatencyReport, type LatencyReport, type LatencyReportOptions } from './latency-report.js';
export { readLatencyFile, latencyFileSet, type LatencyFileHeader } from './latency-file.js';
export { monotonicNs } from './clock.js';
export {
  TraceContext, traceStorage, currentTrace, runWithTrace, asyncContextIsCheap, startChildSpan, sqlComment, logBindings, fileProperties,
  serializeTrace, restoreTrace, isSerializedTrace, type SerializedTrace, type TraceHeaders,
} from './trace-context.js';
export { parseTraceparent, parseTracestate, parseBaggage, formatBaggage, type Baggage, type BaggageMember, type RemoteParent } from './trace-headers.js';
export { OBSERVABILITY_METRICS, SERVICE_METRICS } from './metric-names.js';
