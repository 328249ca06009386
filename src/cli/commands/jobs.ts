/**
 * `sheetpipe jobs list|show|schedules`: the operator's view of a running service's jobs.
 *
 * It calls the service's API (`GET /v1/exports`, `/v1/exports/:id`, `/v1/schedules`) with a bearer token
 * rather than opening the job store or Redis itself: the service enforces tenancy (an operator's `"*"`
 * token sees every job, a narrower token its own), the same command works for the embedded and the Redis
 * queue, and the operator's machine needs a token, not database or Redis credentials. The token is read
 * from an environment variable, never from the command line (where `ps` would show it).
 */
import { parseOptions, usageError } from '../args.js';

export const JOBS_HELP = `Usage:
  sheetpipe jobs list [--report R] [--status S] [--schedule NAME] [--since ISO] [--until ISO]
                      [--limit N] [--cursor C] [--all] [--json] [--url URL] [--token-env NAME]
  sheetpipe jobs show <ID> [--json] [--url URL] [--token-env NAME]
  sheetpipe jobs schedules [--json] [--url URL] [--token-env NAME]

  --url <URL>          the service (default $SHEETPIPE_URL, else http://127.0.0.1:8080)
  --token-env <NAME>   environment variable holding the bearer token (default SHEETPIPE_TOKEN)
  --all                follow the cursor through every page (list)
  --json               print the API's JSON instead of a table
`;

interface Client {
  get(path: string): Promise<unknown>;
}

function client(url: string, token: string): Client {
  return {
    async get(path) {
      let response: Response;
      try {
        response = await fetch(`${url.replace(/\/+$/, '')}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
      } catch (error) {
        // A runtime failure (exit 1), not a usage error.
        const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
        throw new Error(`cannot reach the service at ${url}: ${cause}`, { cause: error });
      }
      const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
      if (!response.ok) {
        const error = new Error(`the service answered ${response.status}: ${body?.error?.message ?? 'no details'} (${body?.error?.code ?? 'no code'})`);
        throw error;
      }
      return body;
    },
  };
}

type Job = Record<string, any>;

function row(job: Job): string[] {
  return [
    String(job.createdAt ?? '').replace('T', ' ').replace(/\.\d+Z$/, 'Z'), String(job.id), String(job.report ?? job.source ?? '-'),
    String(job.schedule ?? '-'), String(job.status), String(job.rows), String(job.bytes), String(job.delivery?.status ?? '-'),
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((cells) => (cells[index] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const JOB_HEADER = ['CREATED', 'ID', 'REPORT', 'SCHEDULE', 'STATUS', 'ROWS', 'BYTES', 'DELIVERY'];

function showJob(job: Job): string {
  const lines = Object.entries(job)
    .filter(([key]) => key !== 'delivery')
    .map(([key, value]) => `${key.padEnd(11)} ${value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  const delivery = job.delivery as { status: string; targets: { name: string; type: string; status: string; attempts: Job[] }[] } | null | undefined;
  if (delivery) {
    lines.push(`delivery    ${delivery.status}`);
    for (const target of delivery.targets) {
      lines.push(`  ${target.name} (${target.type}): ${target.status}`);
      for (const attempt of target.attempts) {
        lines.push(`    ${attempt.at}  ${attempt.ok ? 'ok' : 'failed'}${attempt.status === undefined ? '' : ` ${attempt.status}`}${attempt.error ? `  ${attempt.error.code}: ${attempt.error.message}` : ''}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

export async function jobsCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    process.stdout.write(JOBS_HELP);
    return sub === undefined ? 2 : 0;
  }
  const id = sub === 'show' ? rest.shift() : undefined;
  if (sub === 'show' && (id === undefined || id.startsWith('--'))) throw usageError('sheetpipe jobs show needs an export id');
  const spec: Record<string, { readonly type: 'string' | 'boolean' }> = {
    url: { type: 'string' }, 'token-env': { type: 'string' }, json: { type: 'boolean' },
    ...(sub === 'list' ? {
      report: { type: 'string' as const }, status: { type: 'string' as const }, schedule: { type: 'string' as const }, since: { type: 'string' as const },
      until: { type: 'string' as const }, limit: { type: 'string' as const }, cursor: { type: 'string' as const }, all: { type: 'boolean' as const },
    } : {}),
  };
  if (sub !== 'list' && sub !== 'show' && sub !== 'schedules') throw usageError(`unknown jobs command ${JSON.stringify(sub)} (list, show, schedules)`);
  const values = parseOptions(`jobs ${sub}`, spec, rest);
  const url = (values.url as string | undefined) ?? process.env.SHEETPIPE_URL ?? 'http://127.0.0.1:8080';
  const tokenEnv = (values['token-env'] as string | undefined) ?? 'SHEETPIPE_TOKEN';
  const token = process.env[tokenEnv];
  if (token === undefined || token === '') throw usageError(`set the bearer token in the environment variable ${tokenEnv}`);
  const api = client(url, token);
  const json = values.json === true;

  if (sub === 'show') {
    const job = (await api.get(`/v1/exports/${encodeURIComponent(id as string)}`)) as Job;
    process.stdout.write(json ? `${JSON.stringify(job, null, 2)}\n` : showJob(job));
    return 0;
  }
  if (sub === 'schedules') {
    const { schedules } = (await api.get('/v1/schedules')) as { schedules: Job[] };
    if (json) process.stdout.write(`${JSON.stringify(schedules, null, 2)}\n`);
    else {
      process.stdout.write(table(['NAME', 'REPORT', 'CRON', 'NEXT RUN', 'LAST RUN', 'LAST JOB', 'STATUS', 'DELIVERY'], schedules.map((schedule) => [
        String(schedule.name), String(schedule.report), String(schedule.cron), String(schedule.nextRun ?? '-'), String(schedule.lastRun?.at ?? '-'),
        String(schedule.lastRun?.job.id ?? '-'), String(schedule.lastRun?.job.status ?? '-'), String(schedule.lastRun?.job.delivery?.status ?? '-'),
      ])));
    }
    return 0;
  }
  const query = new URLSearchParams();
  for (const key of ['report', 'status', 'schedule', 'since', 'until', 'limit', 'cursor']) {
    const value = values[key];
    if (typeof value === 'string') query.set(key, value);
  }
  const jobs: Job[] = [];
  let next: string | null = null;
  do {
    if (next !== null) query.set('cursor', next);
    const page = (await api.get(`/v1/exports?${query}`)) as { exports: Job[]; next: string | null };
    jobs.push(...page.exports);
    next = page.next;
  } while (values.all === true && next !== null);
  if (json) process.stdout.write(`${JSON.stringify({ exports: jobs, next }, null, 2)}\n`);
  else {
    process.stdout.write(table(JOB_HEADER, jobs.map(row)));
    if (next !== null) process.stderr.write(`more: --cursor ${next} (or --all)\n`);
  }
  return 0;
}
