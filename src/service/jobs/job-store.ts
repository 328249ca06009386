/**
 * Durable job records in SQLite (`<storage.dir>/jobs.db`). WAL with synchronous=NORMAL: a
 * commit is a write into the WAL (no fsync), so it costs microseconds on the event loop and
 * survives a process crash; only a power loss may lose the last commits. Written on state
 * changes only (accept, start, finish, delete), never per progress tick.
 */
import type Database from 'better-sqlite3';
import type { JobError, JobRecord, JobStatus } from './types.js';
import { openStoreDatabase } from '../../util/sqlite-store.js';

const SCHEMA = `
create table if not exists jobs (
  seq integer primary key autoincrement,
  id text not null unique,
  report text, source text, query text,
  params text not null,
  format text not null,
  filename text,
  origin text not null,
  trace text,
  status text not null,
  rows integer not null default 0,
  bytes integer not null default 0,
  created_at integer not null,
  started_at integer,
  finished_at integer,
  error_code text,
  error_message text
);
create index if not exists jobs_status on jobs(status);
`;

/** Added for job ownership (docs/security.md); stores from before it get the column, their jobs no owner. */
const OWNER_COLUMN = 'alter table jobs add column owner text';
/** Added for listing by schedule and for deliveries (docs/delivery.md); older jobs have neither. */
const LATER_COLUMNS: Record<string, string> = {
  schedule: 'alter table jobs add column schedule text',
  deliver: 'alter table jobs add column deliver text',
};

interface Row {
  id: string; report: string | null; source: string | null; query: string | null; params: string; format: string;
  filename: string | null; origin: string; trace: string | null; status: string; rows: number; bytes: number; created_at: number;
  started_at: number | null; finished_at: number | null; error_code: string | null; error_message: string | null;
  owner: string | null; schedule?: string | null; deliver?: string | null;
}

function toRecord(row: Row): JobRecord {
  return {
    id: row.id,
    report: row.report,
    source: row.source,
    query: row.query,
    params: JSON.parse(row.params) as JobRecord['params'],
    format: row.format as JobRecord['format'],
    filename: row.filename,
    origin: row.origin as JobRecord['origin'],
    owner: row.owner ?? null,
    schedule: row.schedule ?? null,
    ...(row.deliver ? { deliver: JSON.parse(row.deliver) as string[] } : {}),
    trace: row.trace === null ? null : (JSON.parse(row.trace) as JobRecord['trace']),
    status: row.status as JobStatus,
    rows: row.rows,
    bytes: row.bytes,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  };
}

/** The columns that change over a job's life. */
function stateOf(job: JobRecord): Record<string, string | number | null> {
  return {
    id: job.id, status: job.status, rows: job.rows, bytes: job.bytes, startedAt: job.startedAt,
    finishedAt: job.finishedAt, errorCode: job.error?.code ?? null, errorMessage: job.error?.message ?? null,
  };
}

export class JobStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #update: Database.Statement;
  readonly #delete: Database.Statement;

  /** Opens (creating) `<dir>/jobs.db`; done once at start-up, so the sync calls are fine here. */
  constructor(dir: string) {
    this.#db = openStoreDatabase(dir, 'jobs.db');
    this.#db.exec(SCHEMA);
    const columns = this.#db.prepare('pragma table_info(jobs)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'owner')) this.#db.exec(OWNER_COLUMN);
    for (const [name, ddl] of Object.entries(LATER_COLUMNS)) if (!columns.some((column) => column.name === name)) this.#db.exec(ddl);
    this.#insert = this.#db.prepare(`insert into jobs
      (id, report, source, query, params, format, filename, origin, trace, status, rows, bytes, created_at, started_at, finished_at, error_code, error_message, owner, schedule, deliver)
      values (@id, @report, @source, @query, @params, @format, @filename, @origin, @trace, @status, @rows, @bytes, @createdAt, @startedAt, @finishedAt, @errorCode, @errorMessage, @owner, @schedule, @deliver)`);
    this.#update = this.#db.prepare(`update jobs set status = @status, rows = @rows, bytes = @bytes,
      started_at = @startedAt, finished_at = @finishedAt, error_code = @errorCode, error_message = @errorMessage where id = @id`);
    this.#delete = this.#db.prepare('delete from jobs where id = ?');
  }

  insert(job: JobRecord): void {
    this.#insert.run({
      ...stateOf(job), report: job.report, source: job.source, query: job.query, params: JSON.stringify(job.params),
      format: job.format, filename: job.filename, origin: job.origin, createdAt: job.createdAt, owner: job.owner,
      schedule: job.schedule ?? null, deliver: job.deliver && job.deliver.length > 0 ? JSON.stringify(job.deliver) : null,
      trace: job.trace === null ? null : JSON.stringify(job.trace),
    });
  }

  update(job: JobRecord): void {
    this.#update.run(stateOf(job));
  }

  delete(id: string): void {
    this.#delete.run(id);
  }

  /** Every record in the order the jobs were accepted. */
  all(): JobRecord[] {
    return (this.#db.prepare('select * from jobs order by seq').all() as Row[]).map(toRecord);
  }

  /** Marks jobs left `running` by a process that died as failed; answers their ids. */
  failInterrupted(now: number, error: JobError): string[] {
    const ids = (this.#db.prepare("select id from jobs where status = 'running'").all() as { id: string }[]).map((row) => row.id);
    this.#db.prepare("update jobs set status = 'failed', finished_at = ?, error_code = ?, error_message = ? where status = 'running'")
      .run(now, error.code, error.message);
    return ids;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
