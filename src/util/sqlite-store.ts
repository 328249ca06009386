/**
 * Opens (creating) a service's own SQLite file under `dir`: WAL, so readers never wait for the writer; NORMAL sync,
 * which WAL keeps crash-safe; and a busy timeout instead of an immediate SQLITE_BUSY.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export function openStoreDatabase(dir: string, file: string): Database.Database {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
