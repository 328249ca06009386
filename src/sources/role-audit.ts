/**
 * `sheetpipe check` (and `serve` at start): connect to a source, report its server version, and warn
 * when the account can do more than read. The statement checks keep writes out of sheetpipe's own
 * queries; a SELECT-only account is what keeps the rest out (docs/security-databases.md).
 */
import { accessSync, constants } from 'node:fs';
import Database from 'better-sqlite3';
import { SheetpipeError } from '../errors.js';
import { redactUrl } from './driver-errors.js';
import { sqlitePath } from './sqlite.js';
import { sourceKindOf } from './kind.js';
import type { SourceAudit } from './audit-types.js';

export type { SourceAudit } from './audit-types.js';

/**
 * Audits the source at `url`.
 * @throws SHEETPIPE_ERR_SOURCE_SCHEME for an unknown scheme; the driver's error when it cannot connect.
 * @example const { version, warnings } = await auditSource('postgres://reader@db/shop');
 */
export async function auditSource(url: string): Promise<SourceAudit> {
  switch (sourceKindOf(url)) {
    case 'postgres':
      return (await import('./role-audit-postgres.js')).auditPostgres(url);
    case 'mysql':
      return (await import('./role-audit-mysql.js')).auditMysql(url.replace(/^mariadb:/, 'mysql:'));
    case 'sqlite':
      return auditSqlite(sqlitePath(url));
    case 'csv':
      return { version: 'CSV file', warnings: [] };
    default:
      throw new SheetpipeError('SHEETPIPE_ERR_SOURCE_SCHEME', [JSON.stringify(redactUrl(url))]);
  }
}

/** sheetpipe opens the file read-only; a file its user can write is one mistake away from being changed. */
function auditSqlite(path: string): SourceAudit {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const version = `SQLite ${String(db.prepare('select sqlite_version()').pluck().get())}`;
    let writable = true;
    try {
      accessSync(path, constants.W_OK);
    } catch {
      writable = false;
    }
    return { version, warnings: writable ? [`the file ${path} is writable by this process; make it read-only for the service's user (chmod a-w, or another owner)`] : [] };
  } finally {
    db.close();
  }
}
