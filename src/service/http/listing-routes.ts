/**
 * `GET /v1/reports`, `GET /v1/exports`, `GET /v1/schedules`: what an operator or a form-building client needs
 * to find reports, jobs and schedules without reading the server log. Everything is filtered by the
 * token's rights (docs/security.md): reports it may run, jobs it may see, schedules of reports it may run.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Cron } from 'croner';
import { SheetpipeError } from '../../errors.js';
import { defaultSheetName } from '../../pipeline/plan.js';
import { CRON_MODE } from '../config/schedules.js';
import type { ReportConfig, ScheduleConfig } from '../config/types.js';
import type { ServiceContext } from '../context.js';
import { JOB_STATUSES, decodeCursor, encodeCursor, type JobListQuery } from '../jobs/job-list.js';
import type { JobStatus } from '../jobs/types.js';
import { maySee } from './job-access.js';
import { publicJobView } from './job-view.js';

/** Page size of `GET /v1/exports` when `limit` is not given, and the most one page may hold. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const LIST_KEYS = ['report', 'status', 'schedule', 'since', 'until', 'limit', 'cursor'];

function bad(message: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [message]);
}

function reportView(report: ReportConfig, deliveries: boolean): Record<string, unknown> {
  return {
    name: report.name,
    description: report.description ?? null,
    params: [...report.params].map(([name, declaration]) => ({
      name,
      type: declaration.type,
      required: declaration.default === undefined,
      default: declaration.default ?? null,
      description: declaration.description ?? null,
    })),
    // One sheet per report today; a list so multi-sheet reports do not change the shape.
    sheets: [report.sheet ?? defaultSheetName(report.table)],
    // A template is an xlsx workbook: its report has no CSV form.
    formats: report.template === undefined ? ['xlsx', 'csv'] : ['xlsx'],
    ...(deliveries ? { deliveries: report.deliveries ?? [] } : {}),
  };
}

function readTime(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw bad(`${key} must be an ISO-8601 date or date-time, got ${JSON.stringify(value)}`);
  return ms;
}

/** The query string of `GET /v1/exports` as a checked JobListQuery (visibility added by the route). */
function readListQuery(raw: Record<string, unknown>, request: FastifyRequest): JobListQuery {
  const unknown = Object.keys(raw).find((key) => !LIST_KEYS.includes(key));
  if (unknown !== undefined) throw bad(`unknown query option ${unknown} (allowed: ${LIST_KEYS.join(', ')})`);
  for (const [key, value] of Object.entries(raw)) if (typeof value !== 'string') throw bad(`query option ${key} is given more than once`);
  const text = raw as Record<string, string | undefined>;
  if (text.status !== undefined && !JOB_STATUSES.includes(text.status as JobStatus)) {
    throw bad(`status must be one of ${JOB_STATUSES.join(', ')}`);
  }
  const limit = text.limit === undefined ? DEFAULT_LIMIT : Number(text.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw bad(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const since = readTime(text.since, 'since');
  const until = readTime(text.until, 'until');
  const principal = request.principal;
  return {
    limit,
    visible: (job) => maySee(principal, job),
    ...(text.report === undefined ? {} : { report: text.report }),
    ...(text.status === undefined ? {} : { status: text.status as JobStatus }),
    ...(text.schedule === undefined ? {} : { schedule: text.schedule }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(text.cursor === undefined ? {} : { cursor: decodeCursor(text.cursor) }),
  };
}

function nextRun(schedule: ScheduleConfig): string | null {
  const cron = new Cron(schedule.cron, { paused: true, mode: CRON_MODE, ...(schedule.timeZone ? { timezone: schedule.timeZone } : {}) });
  const next = cron.nextRun();
  cron.stop();
  return next === null ? null : next.toISOString();
}

export const listingRoutes: FastifyPluginAsync<ServiceContext> = async (app, context) => {
  const { config, queue } = context;

  app.get('/v1/reports', async (request) => {
    const principal = request.principal;
    const reports = [...config.reports.values()].filter((report) => principal?.mayUse(report.name) === true);
    return { reports: reports.map((report) => reportView(report, true)) };
  });

  app.get('/v1/exports', async (request) => {
    if (queue.list === undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_NOT_SUPPORTED', ['listing exports']);
    const query = readListQuery(request.query as Record<string, unknown>, request);
    const page = await queue.list(query);
    return {
      exports: page.jobs.map((job) => ({ ...publicJobView(job, config, request.principal), delivery: context.delivery?.statusOf(job) ?? null })),
      next: page.next === undefined ? null : encodeCursor(page.next),
    };
  });

  app.get('/v1/schedules', async (request) => {
    const principal = request.principal;
    const visible = config.schedules.filter((schedule) => principal?.mayUse(schedule.report) === true);
    const schedules = await Promise.all(visible.map(async (schedule) => {
      // The schedule's newest job the token may see (all of them, for a genuine scheduled job: it has no owner).
      const last = queue.list === undefined ? undefined : (await queue.list({ schedule: schedule.name, limit: 1, visible: (job) => maySee(principal, job) })).jobs[0];
      return {
        name: schedule.name,
        report: schedule.report,
        cron: schedule.cron,
        timeZone: schedule.timeZone ?? 'UTC',
        format: schedule.format,
        params: schedule.params,
        deliver: schedule.deliver,
        nextRun: nextRun(schedule),
        lastRun: last === undefined ? null : {
          at: new Date(last.createdAt).toISOString(),
          job: { ...publicJobView(last, config, principal), delivery: context.delivery?.statusOf(last) ?? null },
        },
      };
    }));
    return { schedules };
  });
};
