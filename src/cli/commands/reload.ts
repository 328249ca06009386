/**
 * `sheetpipe reload (--url <URL> [--token-env <NAME>] | --pid <PID>)`: makes a running `sheetpipe serve`
 * re-read its config file. With --url it calls `POST <URL>/v1/admin/reload` with the bearer token in the
 * environment variable (SHEETPIPE_TOKEN unless --token-env; a `"*"` token) and prints the outcome: exit 0
 * when applied, 1 when rejected (the reason is printed) or the service cannot be reached. With --pid it
 * sends SIGHUP to that process, which answers nothing: the outcome is in the service's log and metrics.
 * The token is read from the environment, never from the command line (it would show in `ps`).
 */
import { usageError } from '../args.js';

export const RELOAD_USAGE = 'usage: sheetpipe reload (--url <URL> [--token-env <NAME>] | --pid <PID>)';

interface ReloadArgs {
  readonly url?: string;
  readonly tokenEnv: string;
  readonly pid?: number;
}

function parseReloadArgs(argv: readonly string[]): ReloadArgs {
  let url: string | undefined;
  let pid: number | undefined;
  let tokenEnv = 'SHEETPIPE_TOKEN';
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const text = inline ?? argv[++i];
      if (text === undefined || text === '') throw usageError(`${flag} needs a value\n${RELOAD_USAGE}`);
      return text;
    };
    switch (flag) {
      case '--url': url = value(); break;
      case '--token-env': tokenEnv = value(); break;
      case '--pid': {
        const text = value();
        if (!/^[1-9]\d*$/.test(text)) throw usageError(`--pid must be a process id, got ${text}\n${RELOAD_USAGE}`);
        pid = Number(text);
        break;
      }
      default: throw usageError(`unknown option ${flag}\n${RELOAD_USAGE}`);
    }
  }
  if ((url === undefined) === (pid === undefined)) throw usageError(`give --url or --pid (one of them)\n${RELOAD_USAGE}`);
  return { tokenEnv, ...(url === undefined ? {} : { url }), ...(pid === undefined ? {} : { pid }) };
}

export async function reloadCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${RELOAD_USAGE}\n`);
    return 0;
  }
  const args = parseReloadArgs(argv);
  if (args.pid !== undefined) {
    process.kill(args.pid, 'SIGHUP');
    process.stdout.write(`sent SIGHUP to ${args.pid}; the outcome is in its log and in sheetpipe_config_reloads_total\n`);
    return 0;
  }
  const token = process.env[args.tokenEnv];
  if (token === undefined || token === '') throw usageError(`the environment variable ${args.tokenEnv} (a token with "*") is not set`);
  const response = await fetch(new URL('/v1/admin/reload', args.url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => ({}))) as { result?: string; changed?: string[]; error?: { code?: string; message?: string } };
  if (response.ok && body.result === 'applied') {
    process.stdout.write(`configuration reloaded (changed: ${body.changed?.join(', ') || 'nothing'})\n`);
    return 0;
  }
  process.stderr.write(`sheetpipe reload: ${body.error?.message ?? `HTTP ${response.status}`}\n`);
  return 1;
}
