/**
 * `sheetpipe latency-report <file> [--json]`: reads a flushed latency log and its rotations and prints,
 * per route, the estimated request count, P50/P99/P999/max latency (HDR histograms, 3 significant
 * digits; fast requests weighted by 1/sampling rate so percentiles are not skewed toward the tail the
 * sampler favours) and the spikes over the threshold by cause.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import { SPIKE_CAUSES, classify, type SpikeCause } from './attribution.js';
import { latencyFileSet, readLatencyFile } from './latency-file.js';
import { RecordView } from './latency-record.js';

export interface LatencyReportOptions {
  readonly json?: boolean;
  /** Spike threshold; default the sampler threshold stored in the newest file. */
  readonly thresholdMs?: number;
}

export type SpikeCounts = Record<SpikeCause | 'total', number>;

export interface RouteLatency {
  readonly route: string;
  /** Estimated requests (records weighted by 1 / sampling rate). */
  readonly count: number;
  /** Records in the log. */
  readonly records: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly spikes: SpikeCounts;
}

export interface LatencyReport {
  readonly files: readonly string[];
  readonly thresholdMs: number;
  readonly records: number;
  readonly routes: readonly RouteLatency[];
  readonly spikes: SpikeCounts;
}

const emptySpikes = (): SpikeCounts => ({ total: 0, gc: 0, 'event-loop': 0, queued: 0, database: 0, none: 0 });
const round3 = (value: number): number => Math.round(value * 1000) / 1000;

interface RouteAccumulator {
  histogram: Histogram;
  records: number;
  maxNs: number;
  spikes: SpikeCounts;
}

/** Builds the report data; see latencyReport for the printed form. */
export async function buildLatencyReport(path: string, options: Omit<LatencyReportOptions, 'json'> = {}): Promise<LatencyReport> {
  const files = await latencyFileSet(path);
  const byRoute = new Map<string, RouteAccumulator>();
  const total = emptySpikes();
  let thresholdMs = options.thresholdMs;
  let records = 0;
  for (const file of [...files].reverse()) {
    const log = await readLatencyFile(file); // newest first, so the newest header sets the default threshold
    thresholdMs ??= log.header.thresholdMs;
    const thresholdNs = thresholdMs * 1e6;
    const view = new RecordView(log.u32, log.f64);
    for (let i = 0; i < log.count; i++) {
      view.at(i);
      const route = log.header.routes[view.routeId] ?? `route #${view.routeId}`;
      let acc = byRoute.get(route);
      if (acc === undefined) {
        acc = { histogram: build({ useWebAssembly: false }), records: 0, maxNs: 0, spikes: emptySpikes() };
        byRoute.set(route, acc);
      }
      const weight = view.weight;
      acc.histogram.recordValueWithCount(Math.max(1, Math.round(view.latencyNs / 1e3)), weight);
      acc.records++;
      acc.maxNs = Math.max(acc.maxNs, view.latencyNs);
      if (view.latencyNs >= thresholdNs) {
        const cause = classify(view);
        acc.spikes[cause] += weight;
        acc.spikes.total += weight;
        total[cause] += weight;
        total.total += weight;
      }
    }
    records += log.count;
  }
  const routes = [...byRoute].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([route, acc]): RouteLatency => ({
    route,
    count: acc.histogram.totalCount,
    records: acc.records,
    p50Ms: acc.histogram.getValueAtPercentile(50) / 1e3,
    p99Ms: acc.histogram.getValueAtPercentile(99) / 1e3,
    p999Ms: acc.histogram.getValueAtPercentile(99.9) / 1e3,
    maxMs: round3(acc.maxNs / 1e6),
    spikes: acc.spikes,
  }));
  return { files, thresholdMs: thresholdMs ?? 5, records, routes, spikes: total };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ')).join('\n');
}

/**
 * The report as text (or JSON with `json: true`).
 * @example console.log(await latencyReport('exports/latency.bin', { json: false }))
 * @throws SheetpipeError SHEETPIPE_ERR_OBSERVABILITY_LATENCY_FILE when the file is missing or not a latency log.
 */
export async function latencyReport(path: string, options: LatencyReportOptions = {}): Promise<string> {
  const report = await buildLatencyReport(path, options.thresholdMs === undefined ? {} : { thresholdMs: options.thresholdMs });
  if (options.json === true) return JSON.stringify(report, null, 2);
  const ms = (value: number): string => value.toFixed(3);
  const rows: string[][] = [['route', 'count', 'records', 'p50 ms', 'p99 ms', 'p999 ms', 'max ms', `spikes>=${report.thresholdMs}ms`, ...SPIKE_CAUSES]];
  for (const r of report.routes) {
    rows.push([r.route, String(r.count), String(r.records), ms(r.p50Ms), ms(r.p99Ms), ms(r.p999Ms), ms(r.maxMs), String(r.spikes.total), ...SPIKE_CAUSES.map((c) => String(r.spikes[c]))]);
  }
  rows.push(['all routes', String(report.routes.reduce((n, r) => n + r.count, 0)), String(report.records), '', '', '', '', String(report.spikes.total), ...SPIKE_CAUSES.map((c) => String(report.spikes[c]))]);
  return `latency report: ${report.files.join(', ')}\n${table(rows)}\n`;
}
