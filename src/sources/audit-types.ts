/** What a source's role audit answers (role-audit.ts and its per-database modules share it). */
export interface SourceAudit {
  /** The server's version string (`PostgreSQL 15.2 …`, `10.11.6-MariaDB`, `SQLite 3.45.0`). */
  readonly version: string;
  /** The account the source connects as, when the database has accounts. */
  readonly user?: string;
  /** What the account could do beyond reading; empty when it is read-only. */
  readonly warnings: readonly string[];
}
