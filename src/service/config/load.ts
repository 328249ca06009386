/** Reads and validates a JSON config file. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defaultMemoryLimitMb } from '../memory-limit.js';
import type { ServiceConfig } from './types.js';
import { configError } from './fields.js';
import { checkReportTemplates } from './report-template.js';
import { validateConfig } from './validate.js';

export interface LoadConfigOptions {
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads `file` (JSON). Relative paths inside are relative to the file's folder.
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_CONFIG naming the bad key (or the file when it cannot be read or parsed).
 * @example const config = await loadConfig('./sheetpipe.json');
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<ServiceConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw configError(path, `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around the error (`…"a": s3cret-tok"… is not valid JSON`): it may be a token, and
    // this message reaches the log and, on a reload, the admin endpoint's answer. The token kind stays.
    const message = (error as Error).message.replace(/,\s*(\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '');
    throw configError(path, `not valid JSON: ${message}`);
  }
  const config = validateConfig(raw, {
    baseDir: dirname(path),
    file: path,
    defaultMemoryLimitMb: await defaultMemoryLimitMb(),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  await checkReportTemplates(config.reports);
  return config;
}
