/** Validates `schedules`: cron syntax (5 fields, or 6 with seconds), report, parameters, jitter. */
import { filenameProblem, withExtension } from '../http/filename.js';
import { Cron } from 'croner';
import { isSheetpipeError } from '../../errors.js';
import { resolveReportParams } from '../params.js';
import type { ReportConfig, ScheduleConfig } from './types.js';
import { isTimeZone, readNameList } from './sources-reports.js';
import {
  childPath, configError, expectArray, expectObject, optionalNumber, optionalString, rejectUnknownKeys, requiredString,
} from './fields.js';

/** Croner mode used everywhere: a classic 5-field expression or one with a leading seconds field. */
export const CRON_MODE = '5-or-6-parts' as const;

function checkCron(pattern: string, timeZone: string | undefined, path: string): void {
  try {
    new Cron(pattern, { paused: true, mode: CRON_MODE, ...(timeZone ? { timezone: timeZone } : {}) }).stop();
  } catch (error) {
    throw configError(path, `invalid cron expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

export function readSchedules(raw: unknown, reports: ReadonlyMap<string, ReportConfig>): ScheduleConfig[] {
  if (raw === undefined) return [];
  return expectArray(raw, 'schedules').map((value, index): ScheduleConfig => {
    const path = childPath('schedules', index);
    const object = expectObject(value, path);
    rejectUnknownKeys(object, ['cron', 'report', 'params', 'format', 'filename', 'jitterSeconds', 'timeZone', 'name', 'deliver'], path);
    const timeZone = optionalString(object, 'timeZone', path);
    if (timeZone !== undefined && !isTimeZone(timeZone)) throw configError(childPath(path, 'timeZone'), `unknown IANA time zone ${timeZone}`);
    const cron = requiredString(object, 'cron', path);
    checkCron(cron, timeZone, childPath(path, 'cron'));
    const reportName = requiredString(object, 'report', path);
    const report = reports.get(reportName);
    if (!report) throw configError(childPath(path, 'report'), `no report named ${JSON.stringify(reportName)} in reports`);
    const format = optionalString(object, 'format', path) ?? 'xlsx';
    if (format !== 'xlsx' && format !== 'csv') throw configError(childPath(path, 'format'), 'expected "xlsx" or "csv"');
    if (format === 'csv' && report.template !== undefined) throw configError(childPath(path, 'format'), `report ${reportName} fills a template, which is xlsx only`);
    let params;
    try {
      params = resolveReportParams(report, expectObject(object.params ?? {}, childPath(path, 'params')), 'json');
    } catch (error) {
      if (!isSheetpipeError(error, 'SHEETPIPE_ERR_SERVICE_PARAM')) throw error;
      throw configError(childPath(childPath(path, 'params'), String(error.details.param)), error.message);
    }
    const rawFilename = optionalString(object, 'filename', path);
    // The same rules as a client's filename, the extension matched to the format (http/filename.ts).
    let filename: string | undefined;
    if (rawFilename !== undefined) {
      filename = withExtension(rawFilename, format);
      const problem = filenameProblem(filename, format, 260);
      if (problem !== undefined) throw configError(childPath(path, 'filename'), problem);
    }
    return {
      cron,
      name: optionalString(object, 'name', path) ?? `${reportName}#${index}`,
      deliver: readNameList(object.deliver, childPath(path, 'deliver')),
      report: reportName,
      params,
      format,
      jitterSeconds: optionalNumber(object, 'jitterSeconds', path, { min: 0 }) ?? 30,
      ...(filename === undefined ? {} : { filename }),
      ...(timeZone === undefined ? {} : { timeZone }),
    };
  }).map((schedule, index, all) => {
    if (all.findIndex((other) => other.name === schedule.name) !== index) {
      throw configError(childPath(childPath('schedules', index), 'name'), `the name ${JSON.stringify(schedule.name)} is used by another schedule`);
    }
    return schedule;
  });
}
