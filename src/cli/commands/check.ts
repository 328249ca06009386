/**
 * `sheetpipe check --config <FILE>`: loads the service config, connects to every source, prints its
 * server version and warns when its account can do more than read (see src/sources/role-audit.ts).
 * Exit codes: 0 every source reachable and read-only; 1 a warning or an unreachable source;
 * 2 usage or config error.
 */
import { parseArgs } from 'node:util';
import { usageError } from '../args.js';

export const CHECK_HELP = `Usage: sheetpipe check --config <FILE>

Connects to every source in the service config, prints its server version and the account it uses, and
warns when that account can do more than read: a PostgreSQL superuser or member of pg_read_server_files,
pg_write_server_files or pg_execute_server_program, write privileges on any table; MySQL/MariaDB grants
beyond SELECT (FILE above all); a SQLite file the process may write. serve logs the same warnings at start.

Exit codes: 0 all sources read-only, 1 warnings or a source that cannot be reached, 2 usage or config error.
`;

export async function checkCommand(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } } });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) {
    process.stdout.write(CHECK_HELP);
    return 0;
  }
  const file = parsed.values.config;
  if (file === undefined || file === '') throw usageError('check needs --config <FILE>');
  // The service's config reader is loaded only for this command, as for serve.
  const { loadConfig } = await import('../../service/config/load.js');
  const { auditSources } = await import('../../service/source-audit.js');
  const config = await loadConfig(file);
  let problems = 0;
  for (const finding of await auditSources(config.sources)) {
    if ('error' in finding) {
      problems++;
      process.stdout.write(`${finding.source}: cannot connect: ${finding.error}\n`);
      continue;
    }
    const { version, user, warnings } = finding.audit;
    process.stdout.write(`${finding.source}: ${version}${user === undefined ? '' : ` as ${user}`}\n`);
    for (const warning of warnings) process.stdout.write(`  warning: ${warning}\n`);
    if (warnings.length === 0) process.stdout.write('  ok: the account can only read\n');
    problems += warnings.length;
  }
  process.stdout.write(problems === 0 ? 'check passed\n' : `check found ${problems} problem${problems === 1 ? '' : 's'}\n`);
  return problems === 0 ? 0 : 1;
}
