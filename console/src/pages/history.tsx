/**
 * The token's exports (`GET /v1/exports`), filtered by report, status and date, paged with the API's cursor;
 * download, cancel, delete and re-run with the same parameters. Below, the schedules of its reports
 * (`GET /v1/schedules`) with their next and last run.
 */
import { useEffect, useState } from 'preact/hooks';
import { downloadJob, getJson, isFinished, request, sendJson, type Job } from '../api.js';
import { ErrorBox, TableArea } from '../components.js';
import { formatBytes, formatCount, formatTime } from '../format.js';

const PAGE = 20;
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

interface Filters {
  readonly report: string;
  readonly status: string;
  readonly since: string;
}

interface Schedule {
  readonly name: string;
  readonly report: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly nextRun: string | null;
  readonly lastRun: { at: string; job: Job } | null;
}

function listPath(filters: Filters, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (filters.report) query.set('report', filters.report);
  if (filters.status) query.set('status', filters.status);
  if (filters.since) query.set('since', filters.since);
  if (cursor) query.set('cursor', cursor);
  return `/v1/exports?${query}`;
}

function JobActions({ job, onChange, onError }: { job: Job; onChange: () => void; onError: (error: unknown) => void }) {
  const run = (work: () => Promise<unknown>) => (): void => {
    work().then(onChange, onError);
  };
  const label = `${job.report ?? 'export'} of ${formatTime(job.createdAt)}`;
  return (
    <div class="row-actions">
      {job.status === 'succeeded' ? <button type="button" aria-label={`Download ${label}`} onClick={() => downloadJob(job.id).catch(onError)}>Download</button> : null}
      {!isFinished(job.status) ? <button type="button" class="secondary" aria-label={`Cancel ${label}`} onClick={run(() => request(`/v1/exports/${job.id}`, { method: 'DELETE' }))}>Cancel</button> : null}
      {isFinished(job.status) ? <button type="button" class="secondary" aria-label={`Delete ${label}`} onClick={run(() => request(`/v1/exports/${job.id}`, { method: 'DELETE' }))}>Delete</button> : null}
      {job.report !== null && job.params !== null ? (
        <button type="button" class="secondary" aria-label={`Re-run ${label}`} onClick={() => {
          sendJson<Job>('POST', '/v1/exports', { report: job.report, params: job.params, format: job.format })
            .then((next) => { location.hash = `#/jobs/${next.id}`; }, onError);
        }}>Re-run</button>
      ) : null}
    </div>
  );
}

function Schedules({ onError }: { onError: (error: unknown) => void }) {
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  useEffect(() => {
    getJson<{ schedules: Schedule[] }>('/v1/schedules').then((body) => setSchedules(body.schedules), onError);
  }, []);
  if (schedules === null || schedules.length === 0) return null;
  return (
    <section aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      <TableArea label="Schedules">
        <table>
          <thead><tr><th scope="col">Schedule</th><th scope="col">Report</th><th scope="col">When</th><th scope="col">Next run</th><th scope="col">Last run</th></tr></thead>
          <tbody>
            {schedules.map((schedule) => (
              <tr key={schedule.name}>
                <td>{schedule.name}</td>
                <td>{schedule.report}</td>
                <td><code>{schedule.cron}</code> {schedule.timeZone}</td>
                <td>{formatTime(schedule.nextRun)}</td>
                <td>
                  {schedule.lastRun === null ? 'never' : (
                    <>
                      <a href={`#/jobs/${schedule.lastRun.job.id}`}>{formatTime(schedule.lastRun.at)}</a> ({schedule.lastRun.job.status})
                      {schedule.lastRun.job.status === 'succeeded' ? (
                        <button type="button" class="secondary small" aria-label={`Download the last run of ${schedule.name}`}
                          onClick={() => downloadJob((schedule.lastRun as { job: Job }).job.id).catch(onError)}>Download</button>
                      ) : null}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableArea>
    </section>
  );
}

export function HistoryPage() {
  const [filters, setFilters] = useState<Filters>({ report: '', status: '', since: '' });
  // The cursors of the pages before this one (for "Previous"), and this page's.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ exports: Job[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const cursor = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    const controller = new AbortController();
    getJson<{ exports: Job[]; next: string | null }>(listPath(filters, cursor), controller.signal)
      .then(setPage, (caught: unknown) => { if (!controller.signal.aborted) setError(caught); });
    return () => controller.abort();
  }, [filters, cursor, reload]);

  const applyFilters = (event: Event): void => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    setError(null);
    setCursors([null]);
    setFilters({ report: String(form.get('report') ?? '').trim(), status: String(form.get('status') ?? ''), since: String(form.get('since') ?? '') });
  };

  return (
    <>
      <h1 tabIndex={-1}>History</h1>
      <form class="filters" onSubmit={applyFilters}>
        <div class="field"><label for="filter-report">Report</label><input id="filter-report" name="report" defaultValue={filters.report} /></div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" name="status" defaultValue={filters.status}>
            <option value="">any</option>
            {STATUSES.map((status) => <option key={status} value={status}>{status}</option>)}
          </select>
        </div>
        <div class="field"><label for="filter-since">Since</label><input id="filter-since" name="since" type="date" defaultValue={filters.since} /></div>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      {page === null ? <p role="status">Loading…</p> : page.exports.length === 0 ? <p>No exports match.</p> : (
        <TableArea label="Exports">
          <table>
            <thead><tr><th scope="col">Report</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Rows</th><th scope="col">Size</th><th scope="col">Delivery</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {page.exports.map((job) => (
                <tr key={job.id} data-job={job.id}>
                  <td><a href={`#/jobs/${job.id}`}>{job.report ?? 'ad-hoc'}</a>{job.schedule ? <span class="muted"> (schedule {job.schedule})</span> : null}</td>
                  <td><span class={`badge ${job.status}`}>{job.status}</span></td>
                  <td>{formatTime(job.createdAt)}</td>
                  <td class="num">{formatCount(job.rows)}</td>
                  <td class="num">{formatBytes(job.bytes)}</td>
                  <td>{job.delivery?.status ?? '–'}</td>
                  <td><JobActions job={job} onChange={() => setReload((n) => n + 1)} onError={setError} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableArea>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" class="secondary" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>Next page</button>
      </nav>
      <Schedules onError={setError} />
    </>
  );
}
