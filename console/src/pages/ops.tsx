/**
 * Operations (tokens with "*"): `GET /v1/ops` every 2 s while the tab is visible — request rate and latency
 * percentiles over the last minutes, the slowest recent requests with their causes, coloring coverage, running
 * exports, queue depth, admission level against each watermark, the last config reload. Polling (not a stream)
 * keeps the cost on the service one cheap read per 2 s per open page, and stops when the tab is hidden.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { LineChart } from '../chart.js';
import { ErrorBox, TableArea } from '../components.js';
import { formatBytes, formatCount, formatMs, formatTime } from '../format.js';

const POLL_MS = 2000;

interface Mark {
  readonly value: number | null;
  readonly degrade?: number;
  readonly queue: number;
  readonly refuse: number;
}

interface Ops {
  readonly at: string;
  readonly requests: {
    readonly windowSeconds: number;
    readonly series: { t: number[]; rate: number[]; p50: (number | null)[]; p99: (number | null)[]; p999: (number | null)[] };
    readonly summary: { count: number; ratePerSecond: number; p50Ms: number | null; p99Ms: number | null; p999Ms: number | null };
  };
  readonly slowest: { traceId: string; route: string; status: number; latencyMs: number; cause: string }[] | null;
  readonly coloring: { color: string; requests: number; hops: Record<string, number> }[] | null;
  readonly exports: {
    readonly running: { id: string; report: string | null; owner: string | null; rows: number; bytes: number; startedAt: string | null }[];
    readonly runningCount: number;
    readonly queued: number;
    readonly slots: { used: number; limit: number };
  };
  readonly admission: { level: string; reason: string; rssBytes: Mark; heapUsedBytes: Mark; eventLoopDelayMs: Mark; diskFreeBytes: Mark };
  readonly config: { lastReload: { result: string; at: string; reason?: string; changed?: string[] } | null };
}

const percent = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : '–');

function Watermark({ name, mark, show, lowerIsWorse }: { name: string; mark: Mark; show: (n: number) => string; lowerIsWorse?: boolean }) {
  if (mark.value === null) return <tr><th scope="row">{name}</th><td colSpan={2}>not measured</td></tr>;
  const max = lowerIsWorse ? mark.queue * 2 : mark.refuse;
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>
        <meter aria-label={`${name}: ${show(mark.value)}`} min={0} max={max} value={Math.min(mark.value, max)}
          {...(lowerIsWorse ? { low: mark.refuse, high: mark.queue, optimum: max } : { low: mark.degrade ?? mark.queue, high: mark.queue, optimum: 0 })} />
        {' '}{show(mark.value)}
      </td>
      <td>{mark.degrade !== undefined ? `degrade ${show(mark.degrade)} · ` : ''}queue {lowerIsWorse ? 'below' : 'at'} {show(mark.queue)} · refuse {lowerIsWorse ? 'below' : 'at'} {show(mark.refuse)}</td>
    </tr>
  );
}

export function OpsPage() {
  const [ops, setOps] = useState<Ops | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async (): Promise<void> => {
      if (!document.hidden) {
        try {
          setOps(await getJson<Ops>('/v1/ops', controller.signal));
          setError(null);
        } catch (caught) {
          if (controller.signal.aborted) return;
          setError(caught);
        }
      }
      timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, []);

  if (ops === null) return <><h1 tabIndex={-1}>Operations</h1>{error ? <ErrorBox error={error} /> : <p role="status">Loading…</p>}</>;
  const { requests, exports, admission } = ops;
  const { summary, series } = requests;
  return (
    <>
      <h1 tabIndex={-1}>Operations</h1>
      <ErrorBox error={error} />
      <p class="muted">Updated {formatTime(ops.at)} · last {Math.round(requests.windowSeconds / 60)} minutes</p>
      <dl class="facts big" aria-label="Requests over the window">
        <div><dt>Requests/s</dt><dd data-testid="rate">{summary.ratePerSecond}</dd></div>
        <div><dt>P50</dt><dd data-testid="p50">{formatMs(summary.p50Ms)}</dd></div>
        <div><dt>P99</dt><dd data-testid="p99">{formatMs(summary.p99Ms)}</dd></div>
        <div><dt>P999</dt><dd data-testid="p999">{formatMs(summary.p999Ms)}</dd></div>
        <div><dt>Admission</dt><dd data-testid="level" class={`level ${admission.level}`}>{admission.level}</dd></div>
      </dl>
      {admission.reason ? <p class="notice">{admission.reason}</p> : null}
      <div class="charts">
        <LineChart title="Requests per second" unit="req/s" t={series.t} series={[{ label: 'rate', color: '#1d4ed8', values: series.rate }]} />
        <LineChart title="Latency percentiles (ms)" unit="ms" t={series.t} series={[
          { label: 'P50', color: '#15803d', values: series.p50 },
          { label: 'P99', color: '#b45309', values: series.p99 },
          { label: 'P999', color: '#b91c1c', values: series.p999 },
        ]} />
      </div>

      <section aria-labelledby="load-title">
        <h2 id="load-title">Load and admission</h2>
        <TableArea label="Admission watermarks">
          <table>
            <thead><tr><th scope="col">Measure</th><th scope="col">Now</th><th scope="col">Watermarks</th></tr></thead>
            <tbody>
              <Watermark name="Memory (RSS)" mark={admission.rssBytes} show={formatBytes} />
              <Watermark name="Heap used" mark={admission.heapUsedBytes} show={formatBytes} />
              <Watermark name="Event-loop delay P99" mark={admission.eventLoopDelayMs} show={formatMs} />
              <Watermark name="Storage free" mark={admission.diskFreeBytes} show={formatBytes} lowerIsWorse />
            </tbody>
          </table>
        </TableArea>
        <p>Exports running {exports.runningCount} (slots {exports.slots.used} of {exports.slots.limit}) · queue depth <span data-testid="queued">{exports.queued}</span></p>
        <p>Last config reload: {ops.config.lastReload === null ? 'none since start' : `${ops.config.lastReload.result} at ${formatTime(ops.config.lastReload.at)}${ops.config.lastReload.reason ? ` (${ops.config.lastReload.reason})` : ''}`}</p>
      </section>

      <section aria-labelledby="running-title">
        <h2 id="running-title">Running exports</h2>
        {exports.running.length === 0 ? <p>None.</p> : (
          <TableArea label="Running exports">
            <table>
              <thead><tr><th scope="col">Report</th><th scope="col">Token</th><th scope="col">Started</th><th scope="col">Rows</th><th scope="col">Size</th></tr></thead>
              <tbody>
                {exports.running.map((job) => (
                  <tr key={job.id}><td><a href={`#/jobs/${job.id}`}>{job.report ?? 'ad-hoc'}</a></td><td>{job.owner ?? 'schedule'}</td><td>{formatTime(job.startedAt)}</td><td class="num">{formatCount(job.rows)}</td><td class="num">{formatBytes(job.bytes)}</td></tr>
                ))}
              </tbody>
            </table>
          </TableArea>
        )}
      </section>

      <section aria-labelledby="slowest-title">
        <h2 id="slowest-title">Slowest recent requests</h2>
        {ops.slowest === null ? <p>Observability is off (observability.enabled): no latency ring.</p> : ops.slowest.length === 0 ? <p>None recorded.</p> : (
          <TableArea label="Slowest recent requests">
            <table>
              <thead><tr><th scope="col">Route</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Likely cause</th><th scope="col">Trace id</th></tr></thead>
              <tbody>
                {ops.slowest.map((record) => (
                  <tr key={record.traceId}><td>{record.route}</td><td>{record.status}</td><td class="num">{formatMs(record.latencyMs)}</td><td>{record.cause}</td><td><code>{record.traceId}</code></td></tr>
                ))}
              </tbody>
            </table>
          </TableArea>
        )}
      </section>

      <section aria-labelledby="coloring-title">
        <h2 id="coloring-title">Coloring coverage</h2>
        {ops.coloring === null || ops.coloring.length === 0 ? <p>No colored requests yet (send <code>baggage: color=…</code>).</p> : (
          <TableArea label="Coloring coverage">
            <table>
              <thead><tr><th scope="col">Color</th><th scope="col">Requests</th><th scope="col">Worker</th><th scope="col">Database</th><th scope="col">File</th></tr></thead>
              <tbody>
                {ops.coloring.map((row) => (
                  <tr key={row.color}><td>{row.color}</td><td class="num">{formatCount(row.requests)}</td>
                    <td class="num">{percent(row.hops.worker ?? 0, row.requests)}</td><td class="num">{percent(row.hops.db ?? 0, row.requests)}</td><td class="num">{percent(row.hops.file ?? 0, row.requests)}</td></tr>
                ))}
              </tbody>
            </table>
          </TableArea>
        )}
      </section>
    </>
  );
}
