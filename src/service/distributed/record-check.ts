/**
 * Nothing read back from Redis is trusted blindly: whoever can write to Redis could otherwise steer
 * the file route (a `format` of `x/../../etc/hostname`), the Content-Disposition name, or what a
 * client is shown. Every record the API builds from Redis passes this check first; a record that
 * fails is a 500 SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD, its detail logged, nothing served.
 */
import { ERRORS, SheetpipeError } from '../../errors.js';
import { isJobId } from '../jobs/job-id.js';
import type { JobRecord } from '../jobs/types.js';
import { filenameProblem } from '../http/filename.js';

const STATUSES = new Set(['queued', 'running', 'succeeded', 'failed', 'canceled']);
/** The largest name the API ever accepts (limits.filenameLength is at most 255, plus the appended extension). */
const MAX_FILENAME = 260;

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isTime(value: unknown, nullable: boolean): boolean {
  return (nullable && value === null) || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
}

function isNameOrNull(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.length > 0 && value.length <= 256);
}

function isParams(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((item) => item === null || ['string', 'number', 'boolean'].includes(typeof item));
}

/** The first problem of a record, or undefined when it is sound. */
function problemOf(record: JobRecord, id: string): string | undefined {
  if (!isJobId(record.id) || record.id !== id) return 'its id is not the export id';
  if (record.format !== 'xlsx' && record.format !== 'csv') return 'its format is not xlsx or csv';
  if (!STATUSES.has(record.status)) return 'its status is unknown';
  if (!isCount(record.rows) || !isCount(record.bytes)) return 'rows or bytes is not a count';
  if (!isTime(record.createdAt, false) || !isTime(record.startedAt, true) || !isTime(record.finishedAt, true)) return 'a time is not a timestamp';
  if (!isNameOrNull(record.report) || !isNameOrNull(record.source) || (record.report === null && record.source === null)) return 'it names no report or source';
  if (!isNameOrNull(record.owner ?? null)) return 'its owner is not a token id';
  if (!isParams(record.params)) return 'its params are not a flat object';
  if (record.filename !== null && filenameProblem(record.filename, record.format, MAX_FILENAME) !== undefined) return 'its filename is not a plain file name';
  if (record.origin !== 'api' && record.origin !== 'schedule') return 'its origin is unknown';
  if (record.schedule !== undefined && !isNameOrNull(record.schedule)) return 'its schedule is not a name';
  // Delivery names only pick configured targets (an unknown one is recorded failed), but must be short names.
  if (record.deliver !== undefined && (!Array.isArray(record.deliver) || record.deliver.length > 64 || !record.deliver.every((name) => isNameOrNull(name) && name !== null))) {
    return 'its deliveries are not a list of names';
  }
  if (record.error !== null && (typeof record.error !== 'object' || !Object.hasOwn(ERRORS, record.error.code) || typeof record.error.message !== 'string')) {
    return 'its error is not a catalogue error';
  }
  return undefined;
}

/** @throws SheetpipeError SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD when `record` (read for export `id`) is not sound. */
export function checkedRecord<T extends JobRecord>(record: T, id: string): T {
  const problem = problemOf(record, id);
  if (problem !== undefined) throw new SheetpipeError('SHEETPIPE_ERR_DISTRIBUTED_BAD_RECORD', [id, problem]);
  return record.owner === undefined ? { ...record, owner: null } : record;
}
