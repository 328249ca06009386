/** Shared test fixtures: temp directories and small real SQLite databases. */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'sheetpipe-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `items`: id, name (unicode, commas, quotes), price, created (DATETIME text), day (DATE), ok (BOOLEAN), note (NULLs). */
export function createItemsDb(path: string, rows: number): string {
  const db = new Database(path);
  try {
    db.exec('create table items (id integer primary key, name text, price real, created datetime, day date, ok boolean, note text)');
    const insert = db.prepare('insert into items values (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let id = 1; id <= rows; id++) {
        const minute = String(id % 60).padStart(2, '0');
        insert.run(id, itemName(id), id * 1.25, `2024-03-0${1 + (id % 9)} 10:${minute}:05`, `2024-03-0${1 + (id % 9)}`, id % 2, id % 3 === 0 ? null : `note ${id}`);
      }
    })();
  } finally {
    db.close();
  }
  return path;
}

export function itemName(id: number): string {
  return id % 5 === 0 ? `Zoë "${id}", 配達` : `item ${id}`;
}

/** SQL that yields rows forever (until cancelled): exercises cancellation and timeouts on a real SQLite. */
export const ENDLESS_SQL = "with recursive n(i) as (select 1 union all select i + 1 from n) select i, 'padding text for the row' as t from n";

/** A directory this process cannot create files in: chmod does not stop root, sysfs does. */
export function unwritableDir(dir: string): string {
  if (process.getuid?.() === 0) return '/sys/kernel';
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  return locked;
}
