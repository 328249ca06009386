/**
 * One export, live: `GET /v1/exports/:id` once, then its events (`progress` while it runs, `end` when it is
 * done) streamed with fetch (sse.ts). The total row count is not known before the query ends, so the bar is
 * indeterminate while running and full at the end; rows, bytes and rows/s are exact.
 */
import { useEffect, useState } from 'preact/hooks';
import { downloadJob, getJson, isFinished, request, type Job } from '../api.js';
import { ErrorBox } from '../components.js';
import { formatBytes, formatCount, formatSeconds, formatTime } from '../format.js';
import { streamEvents } from '../sse.js';

interface Progress {
  readonly rows: number;
  readonly bytes: number;
  readonly rowsPerSecond: number;
}

const STATUS_TEXT: Readonly<Record<Job['status'], string>> = {
  queued: 'Waiting for a free export slot', running: 'Running', succeeded: 'Done', failed: 'Failed', canceled: 'Canceled',
};

export function JobPage({ id }: { id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    const path = `/v1/exports/${encodeURIComponent(id)}`;
    (async () => {
      const first = await getJson<Job>(path, controller.signal);
      setJob(first);
      if (isFinished(first.status)) return;
      await streamEvents(`${path}/events`, (name, data) => {
        if (name === 'progress') {
          setProgress(data as Progress);
          setJob((current) => (current && current.status === 'queued' ? { ...current, status: 'running' } : current));
        } else if (name === 'end') setJob(data as Job);
      }, controller.signal);
    })().catch((caught: unknown) => {
      if (!controller.signal.aborted) setError(caught);
    });
    return () => controller.abort();
  }, [id]);

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (job === null) {
    return (
      <>
        <h1 tabIndex={-1}>Export</h1>
        {error ? <ErrorBox error={error} /> : <p role="status">Loading…</p>}
      </>
    );
  }
  // Progress events while it runs; the job's own numbers once it ended (the final file size among them).
  const live = isFinished(job.status) ? null : progress;
  const rows = live?.rows ?? job.rows;
  const bytes = live?.bytes ?? job.bytes;
  const done = job.status === 'succeeded';
  const elapsed = job.startedAt === null ? 0 : ((job.finishedAt ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(job.startedAt)) / 1000;
  return (
    <>
      <h1 tabIndex={-1}>{job.report ?? 'Ad-hoc export'}</h1>
      <p class="muted">Export <code>{job.id}</code> · {job.format} · started {formatTime(job.startedAt ?? job.createdAt)}</p>
      <section class="card" aria-label="Progress">
        <div class="progress-line">
          {/* No value while running: the total is unknown until the query ends (indeterminate bar). */}
          <progress aria-label="Export progress" max={100} value={done ? 100 : isFinished(job.status) ? 0 : undefined} />
          <span class="percent">{done ? '100 %' : ''}</span>
        </div>
        <p role="status" aria-live="polite" class="status" data-status={job.status}>{STATUS_TEXT[job.status]}</p>
        <dl class="facts">
          <div><dt>Rows</dt><dd data-testid="rows">{formatCount(rows)}</dd></div>
          <div><dt>Size</dt><dd data-testid="size">{formatBytes(bytes)}</dd></div>
          <div><dt>Rows/s</dt><dd>{formatCount(live?.rowsPerSecond ?? (elapsed > 0 ? Math.round(rows / elapsed) : 0))}</dd></div>
          <div><dt>Time</dt><dd>{formatSeconds(elapsed)}</dd></div>
        </dl>
        {job.error ? (
          <div class="error" role="alert">
            <p>{job.error.message}</p>
            {job.traceId ? <p class="trace">Trace id to quote to support: <code>{job.traceId}</code></p> : null}
          </div>
        ) : null}
        <div class="actions">
          {done ? <button type="button" disabled={busy} onClick={() => act(() => downloadJob(job.id))}>Download {job.format}</button> : null}
          {!isFinished(job.status) ? (
            <button type="button" class="secondary" disabled={busy}
              onClick={() => act(async () => setJob(await (await request(`/v1/exports/${job.id}`, { method: 'DELETE' })).json() as Job))}>Cancel export</button>
          ) : null}
          <a href="#/history">All exports</a>
        </div>
      </section>
      <ErrorBox error={error} />
    </>
  );
}
