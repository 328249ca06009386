/**
 * The body of `GET /v1/ops` (operators only): what the console's Operations page draws. Everything here is
 * read from state the service keeps anyway (the request window, the latency ring, the coloring counters, the
 * admission controller, the queue), so answering costs a few microseconds and no database work beyond one
 * page of running jobs.
 */
import type { Registry } from 'prom-client';
import type { ReloadOutcome } from '../config/reload.js';
import type { ServiceContext } from '../context.js';
import type { RequestWindow } from './request-window.js';

export interface OpsSources {
  readonly context: ServiceContext;
  readonly window: RequestWindow;
  readonly registry: Registry;
  readonly lastReload: () => ReloadOutcome | undefined;
}

export interface OpsQuery {
  readonly windowSeconds: number;
  readonly stepSeconds: number;
}

const RUNNING_SHOWN = 50;
const SLOWEST_SHOWN = 20;

interface CounterValues {
  readonly values: readonly { readonly labels: Record<string, string | number | undefined>; readonly value: number }[];
}

async function counterValues(registry: Registry, name: string): Promise<CounterValues['values']> {
  const metric = registry.getSingleMetric(name) as { get(): Promise<CounterValues> } | undefined;
  return metric === undefined ? [] : (await metric.get()).values;
}

/** Per color: colored requests and how many of them reached each hop (coverage = hops ÷ requests). */
async function coloring(registry: Registry): Promise<{ color: string; requests: number; hops: Record<string, number> }[]> {
  const requests = await counterValues(registry, 'sheetpipe_color_requests_total');
  const hops = await counterValues(registry, 'sheetpipe_color_hops_total');
  return requests.map(({ labels, value }) => {
    const color = String(labels.color);
    const reached: Record<string, number> = { worker: 0, db: 0, file: 0 };
    for (const hop of hops) if (hop.labels.color === color) reached[String(hop.labels.hop)] = hop.value;
    return { color, requests: value, hops: reached };
  });
}

export async function opsSnapshot(sources: OpsSources, query: OpsQuery): Promise<Record<string, unknown>> {
  const { context, window, registry } = sources;
  const { admission, queue, slots, observability } = context;
  const sample = admission.sample();
  const marks = admission.watermarks;
  const assessment = admission.current;
  const running = queue.list === undefined ? [] : (await queue.list({ status: 'running', limit: RUNNING_SHOWN, visible: () => true })).jobs;
  const counts = queue.counts();
  const reload = sources.lastReload();
  const requests = window.read(query.windowSeconds, query.stepSeconds);
  return {
    at: new Date().toISOString(),
    requests: { windowSeconds: query.windowSeconds, stepSeconds: query.stepSeconds, ...requests },
    // The latency ring exists only while observability is on.
    // Event streams last as long as their export: they would fill the list without saying anything about speed.
    slowest: observability === undefined ? null : observability.slowest(0, SLOWEST_SHOWN * 5).records
      .filter((record) => !record.route.endsWith('/events')).slice(0, SLOWEST_SHOWN),
    coloring: observability === undefined ? null : await coloring(registry),
    exports: {
      running: running.map((job) => ({
        id: job.id, report: job.report, owner: job.owner, schedule: job.schedule, rows: job.rows, bytes: job.bytes,
        startedAt: job.startedAt === null ? null : new Date(job.startedAt).toISOString(),
      })),
      runningCount: counts.running,
      queued: counts.waiting,
      slots: { used: slots.used, limit: slots.limit },
    },
    admission: {
      level: assessment.level,
      reason: assessment.reason,
      rssBytes: { value: sample.rss, ...marks.rss },
      heapUsedBytes: { value: sample.heapUsed, ...marks.heap },
      eventLoopDelayMs: { value: sample.eventLoopDelayMs, ...marks.eventLoopDelayMs },
      diskFreeBytes: { value: sample.diskFreeBytes ?? null, ...marks.diskFree },
    },
    config: {
      lastReload: reload === undefined ? null : {
        result: reload.result, at: reload.at.toISOString(),
        ...(reload.reason === undefined ? {} : { reason: reload.reason }),
        ...(reload.changed === undefined ? {} : { changed: reload.changed }),
      },
    },
  };
}
