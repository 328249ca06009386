/**
 * What a MySQL/MariaDB account could do beyond reading, for `sheetpipe check`: every privilege in
 * SHOW GRANTS other than SELECT, SHOW VIEW and USAGE, FILE above all (LOAD_FILE, INTO OUTFILE reach
 * server files), WITH GRANT OPTION, and roles it holds.
 */
import mysql from 'mysql2/promise';
import { mysqlOptions } from './mysql.js';
import type { SourceAudit } from './audit-types.js';

const READ_PRIVILEGES = new Set(['SELECT', 'SHOW VIEW', 'USAGE']);

/** Splits `SELECT, INSERT (a, b), FILE` at the commas outside parentheses. */
function privilegesOf(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of list) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

/** Warnings for one SHOW GRANTS line. */
export function grantWarnings(grant: string): string[] {
  const warnings: string[] = [];
  const match = /^GRANT (.+?) ON (.+?) TO /i.exec(grant);
  if (match === null) {
    if (/^GRANT /i.test(grant)) warnings.push(`the account holds a role (${grant}); its privileges apply once it is active: check SHOW GRANTS FOR it`);
    return warnings;
  }
  const [, list = '', object = ''] = match;
  const privileges = privilegesOf(list).map((privilege) => privilege.toUpperCase().replace(/\s*\(.*\)$/s, '').replace(/\s+/g, ' '));
  const all = privileges.includes('ALL PRIVILEGES') || privileges.includes('ALL');
  // FILE is global only: ALL on *.* includes it.
  if (privileges.includes('FILE') || (all && object.trim() === '*.*')) warnings.push('the account has FILE: it can read and write server files (LOAD_FILE, SELECT … INTO OUTFILE)');
  const beyond = privileges.filter((privilege) => !READ_PRIVILEGES.has(privilege) && privilege !== 'FILE');
  if (beyond.length > 0) warnings.push(`the account has ${beyond.join(', ')} on ${object.trim()}`);
  if (/WITH GRANT OPTION/i.test(grant) || / GRANT OPTION/i.test(list)) warnings.push(`the account may grant its privileges on ${object.trim()} to others (WITH GRANT OPTION)`);
  return warnings;
}

export async function auditMysql(url: string): Promise<SourceAudit> {
  const connection = await mysql.createConnection(mysqlOptions(url));
  try {
    // The source's options return rows as arrays.
    const [[info]] = (await connection.query('select version(), current_user()')) as unknown as [[[string, string]]];
    const [rows] = (await connection.query('show grants')) as unknown as [string[][]];
    const warnings = rows.flatMap((row) => grantWarnings(String(row[0])));
    return { version: String(info[0]), user: String(info[1]), warnings };
  } finally {
    await connection.end().catch(() => undefined);
  }
}
