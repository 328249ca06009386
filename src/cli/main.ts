#!/usr/bin/env node
/**
 * The `sheetpipe` command. Exit codes: 0 success, 2 usage error, 1 any runtime failure
 * (database, output, timeout, signal). Errors print their catalogue message; --verbose adds the
 * code, the causes and the stack.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isSheetpipeError } from '../errors.js';
import { usageError } from './args.js';
import { checkCommand } from './commands/check.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { latencyReportCommand } from './commands/latency-report.js';
import { MAIN_HELP } from './help.js';
import { packageVersion } from './version.js';

function report(error: unknown, verbose: boolean): number {
  const exitCode = isSheetpipeError(error) ? error.exitCode : 1;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sheetpipe: ${message}\n`);
  if (exitCode === 2 && !message.includes('--help')) {
    process.stderr.write('run sheetpipe --help for usage\n');
  }
  if (verbose) {
    for (let current: unknown = error; current !== undefined; current = current instanceof Error ? current.cause : undefined) {
      const code = (current as { code?: unknown }).code;
      const header = current === error ? '' : 'caused by: ';
      process.stderr.write(`${header}${code === undefined ? '' : `[${String(code)}] `}${current instanceof Error ? current.stack : String(current)}\n`);
    }
  }
  return exitCode;
}

/** Runs the CLI on `argv` (without node and the script path) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'export':
        return await exportCommand(rest);
      case 'demo':
        return await demoCommand(rest);
      case 'serve': {
        // The service is loaded only for this command, so export and demo start without fastify.
        const { serveCommand } = await import('../service/serve-command.js');
        return await serveCommand(rest);
      }
      case 'worker': {
        const { workerCommand } = await import('../service/distributed/worker-command.js');
        return await workerCommand(rest);
      }
      case 'reload': {
        const { reloadCommand } = await import('./commands/reload.js');
        return await reloadCommand(rest);
      }
      case 'jobs': {
        const { jobsCommand } = await import('./commands/jobs.js');
        return await jobsCommand(rest);
      }
      case 'latency-report':
        return await latencyReportCommand(rest);
      case 'check':
        return await checkCommand(rest);
      case '--version':
      case '-v':
        process.stdout.write(`${packageVersion()}\n`);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(MAIN_HELP);
        return 0;
      case undefined:
        process.stderr.write(MAIN_HELP);
        return 2;
      default:
        throw usageError(`unknown command ${JSON.stringify(command)} (commands: export, demo, serve, reload, worker, check, jobs, latency-report; see sheetpipe --help)`);
    }
  } catch (error) {
    return report(error, verbose);
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // npx and npm link start the bin through a symlink.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // A closed pipe on stdout (`sheetpipe … --out - | head`) surfaces through the export's own
  // error; this listener only keeps a late EPIPE from crashing the process with a stack trace.
  process.stdout.on('error', () => undefined);
  process.exitCode = await main(process.argv.slice(2));
  // Everything is closed by now; should a driver still hold a socket or timer, do not hang on it.
  setTimeout(() => process.exit(), 2000).unref();
}
