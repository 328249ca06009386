/**
 * Spike attribution: the likely cause of a slow request, from the amounts stored in its record.
 *
 * Rules (docs/observability.md):
 *   gc          = GC pause overlapping the request
 *   event-loop  = event-loop stall during the request, minus the GC part (a GC pause stalls the loop too)
 *   queued      = time waiting behind the concurrency limit (the route sets request.sheetpipeQueuedMs)
 *   database    = time waiting for the database (the route sets request.sheetpipeDbMs)
 * The cause is the largest amount that is significant — at least 1 ms and at least 25 % of the latency;
 * ties go in the order above. No significant amount: "none".
 */
import { FLAG_GC, type LatencyRecord, type RecordAmounts } from './latency-record.js';
import type { LatencyRing } from './latency-ring.js';
import type { RouteTable } from './route-table.js';
import type { RuntimeMonitor } from './runtime-monitor.js';

export type SpikeCause = 'gc' | 'event-loop' | 'queued' | 'database' | 'none';
export const SPIKE_CAUSES: readonly SpikeCause[] = ['gc', 'event-loop', 'queued', 'database', 'none'];

const MIN_CAUSE_US = 1000;
const MIN_CAUSE_SHARE = 0.25;

/** The likely cause of `record`'s latency (rules above). */
export function classify(record: Pick<RecordAmounts, 'latencyNs' | 'gcUs' | 'eventLoopUs' | 'queuedUs' | 'dbUs'>): SpikeCause {
  const floor = Math.max(MIN_CAUSE_US, (record.latencyNs / 1e3) * MIN_CAUSE_SHARE);
  const candidates: readonly [SpikeCause, number][] = [
    ['gc', record.gcUs],
    ['event-loop', record.eventLoopUs - record.gcUs],
    ['queued', record.queuedUs],
    ['database', record.dbUs],
  ];
  let cause: SpikeCause = 'none';
  let best = 0;
  for (const [name, us] of candidates) {
    if (us >= floor && us > best) {
      cause = name;
      best = us;
    }
  }
  return cause;
}

/** One entry of `GET /debug/latency` (the contract: exactly these fields). */
export interface DebugLatencyRecord {
  readonly traceId: string;
  readonly route: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly queuedMs: number;
  readonly eventLoopDelayMs: number;
  readonly gc: boolean;
  readonly cause: SpikeCause;
}

export interface DebugLatency {
  readonly records: readonly DebugLatencyRecord[];
  readonly overwritten: number;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

export function toDebugRecord(record: LatencyRecord, routes: RouteTable): DebugLatencyRecord {
  return {
    traceId: record.traceId,
    route: routes.nameOf(record.routeId),
    status: record.status,
    latencyMs: round3(record.latencyNs / 1e6),
    queuedMs: round3(record.queuedUs / 1e3),
    eventLoopDelayMs: round3(record.eventLoopUs / 1e3),
    gc: (record.flags & FLAG_GC) !== 0,
    cause: classify(record),
  };
}

export interface SlowestOptions {
  readonly minMs?: number;
  readonly limit?: number;
  /** Refines records with GC pauses / stalls reported after they were written. */
  readonly monitor?: RuntimeMonitor;
}

/** The body of `GET /debug/latency`: the slowest records still in the ring, slowest first. */
export function slowest(ring: LatencyRing, routes: RouteTable, options: SlowestOptions = {}): DebugLatency {
  const records = ring.slowest((options.minMs ?? 0) * 1e6, options.limit ?? 100);
  return {
    records: records.map((record) => {
      options.monitor?.refine(record);
      return toDebugRecord(record, routes);
    }),
    overwritten: ring.overwritten,
  };
}
