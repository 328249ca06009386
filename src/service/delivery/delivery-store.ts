/**
 * Delivery state in SQLite (`<storage.dir>/deliveries.db`, beside the job store, WAL like it): one row per
 * job and target with every attempt. Written on each attempt, so a restart finds pending deliveries and
 * retries them (at-least-once: an attempt in flight when the process died is made again, with the same
 * `Sheetpipe-Delivery` id for the receiver to de-duplicate).
 */
import type Database from 'better-sqlite3';
import type { DeliveryAttempt, DeliveryState } from './status.js';
import { openStoreDatabase } from '../../util/sqlite-store.js';

export interface DeliveryRow {
  readonly jobId: string;
  readonly target: string;
  readonly type: 'webhook' | 'email';
  readonly status: DeliveryState;
  readonly attempts: readonly DeliveryAttempt[];
  /** Epoch ms of the next attempt (pending only). */
  readonly nextAt: number | null;
}

interface Raw { job_id: string; target: string; type: string; status: string; attempts: string; next_at: number | null }

export class DeliveryStore {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement;

  constructor(dir: string) {
    this.#db = openStoreDatabase(dir, 'deliveries.db');
    this.#db.exec(`create table if not exists deliveries (
      job_id text not null, target text not null, type text not null, status text not null,
      attempts text not null, next_at integer, primary key (job_id, target))`);
    this.#upsert = this.#db.prepare(`insert into deliveries (job_id, target, type, status, attempts, next_at)
      values (@jobId, @target, @type, @status, @attempts, @nextAt)
      on conflict (job_id, target) do update set status = excluded.status, attempts = excluded.attempts, next_at = excluded.next_at`);
  }

  save(row: DeliveryRow): void {
    this.#upsert.run({ ...row, attempts: JSON.stringify(row.attempts) });
  }

  all(): DeliveryRow[] {
    return (this.#db.prepare('select * from deliveries').all() as Raw[]).map((raw) => ({
      jobId: raw.job_id, target: raw.target, type: raw.type as DeliveryRow['type'], status: raw.status as DeliveryState,
      attempts: JSON.parse(raw.attempts) as DeliveryAttempt[], nextAt: raw.next_at,
    }));
  }

  /** Forgets a job's deliveries (its record was removed by DELETE or retention). */
  deleteJob(jobId: string): void {
    this.#db.prepare('delete from deliveries where job_id = ?').run(jobId);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
