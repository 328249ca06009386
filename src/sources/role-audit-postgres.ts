/**
 * What a PostgreSQL role could do beyond reading, for `sheetpipe check`: superuser, membership of the
 * roles that reach server files and programs, and any table it may write. The read-only
 * transaction and the statement checks do not stop a superuser's file and program functions;
 * only a role without those powers does (docs/security-databases.md).
 */
import pg from 'pg';
import type { SourceAudit } from './audit-types.js';

/** Predefined roles whose members reach outside the database. */
const SERVER_ROLES: Readonly<Record<string, string>> = {
  pg_execute_server_program: 'can run programs on the server (COPY … TO PROGRAM)',
  pg_write_server_files: 'can write files on the server (COPY … TO FILE)',
  pg_read_server_files: 'can read files on the server (COPY … FROM FILE, pg_read_file)',
  pg_write_all_data: 'can write every table',
};

const ROLE_SQL = `select version() as version, current_user as "user", r.rolsuper as super, r.rolcreaterole as createrole,
  r.rolcreatedb as createdb, has_database_privilege(current_database(), 'CREATE') as dbcreate,
  array(select b.rolname::text from pg_roles b where b.rolname = any($1::text[]) and pg_has_role(current_user, b.oid, 'MEMBER') order by 1) as server_roles
  from pg_roles r where r.rolname = current_user`;

// Tables, views and the like in user schemas that the role may change, and schemas where it may create.
const WRITABLE_SQL = `select n.nspname || '.' || c.relname as name, count(*) over () as total
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
    and (has_table_privilege(c.oid, 'INSERT') or has_table_privilege(c.oid, 'UPDATE')
      or has_table_privilege(c.oid, 'DELETE') or has_table_privilege(c.oid, 'TRUNCATE'))
  order by 1 limit 5`;
const CREATE_SQL = `select nspname as name from pg_namespace
  where nspname <> 'information_schema' and nspname !~ '^pg_' and has_schema_privilege(oid, 'CREATE') order by 1`;

interface RoleRow {
  version: string;
  user: string;
  super: boolean;
  createrole: boolean;
  createdb: boolean;
  dbcreate: boolean;
  server_roles: string[];
}

export async function auditPostgres(url: string): Promise<SourceAudit> {
  const client = new pg.Client({ connectionString: url, application_name: 'sheetpipe-check', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const role = (await client.query(ROLE_SQL, [Object.keys(SERVER_ROLES)])).rows[0] as RoleRow;
    const warnings: string[] = [];
    if (role.super) {
      // A superuser passes every privilege check, so nothing below would add information.
      warnings.push(`role ${role.user} is a superuser: it can read and write server files, run programs (COPY … PROGRAM, pg_read_file, lo_export) and write every table; no read-only transaction prevents that`);
      return { version: role.version, user: role.user, warnings };
    }
    for (const name of role.server_roles) warnings.push(`role ${role.user} is a member of ${name}: it ${SERVER_ROLES[name] ?? 'reaches outside the database'}`);
    if (role.createrole) warnings.push(`role ${role.user} has CREATEROLE: it can grant itself other roles`);
    if (role.createdb) warnings.push(`role ${role.user} has CREATEDB`);
    if (role.dbcreate) warnings.push(`role ${role.user} may CREATE schemas in this database`);
    const writable = (await client.query(WRITABLE_SQL)).rows as Array<{ name: string; total: string }>;
    if (writable.length > 0) {
      const total = Number(writable[0]?.total);
      const more = total > writable.length ? ` and ${total - writable.length} more` : '';
      warnings.push(`role ${role.user} may INSERT, UPDATE, DELETE or TRUNCATE ${writable.map((row) => row.name).join(', ')}${more}`);
    }
    const schemas = (await client.query(CREATE_SQL)).rows as Array<{ name: string }>;
    if (schemas.length > 0) warnings.push(`role ${role.user} may CREATE in schema ${schemas.map((row) => row.name).join(', ')}`);
    return { version: role.version, user: role.user, warnings };
  } finally {
    await client.end().catch(() => undefined);
  }
}
