/**
 * Loads a service config file together with its `queue` key, for `sheetpipe worker` and for a
 * service in distributed mode. The `queue` key is read here; everything else by the service's
 * own validateConfig, with the same base folder and defaults as loadConfig.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { configError, expectObject } from '../config/fields.js';
import { checkReportTemplates } from '../config/report-template.js';
import type { ServiceConfig } from '../config/types.js';
import { validateConfig } from '../config/validate.js';
import { defaultMemoryLimitMb } from '../memory-limit.js';
import { readQueueConfig, type QueueConfig } from './queue-config.js';

export type DistributedConfig = ServiceConfig & { readonly queue: QueueConfig };

/**
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_CONFIG naming the bad key, or the file when it cannot be read or parsed.
 * @example const config = await loadDistributedConfig('./sheetpipe.json'); // config.queue.type === 'redis'
 */
export async function loadDistributedConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<DistributedConfig> {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    throw configError(path, reason);
  }
  const { queue, ...rest } = expectObject(raw, '');
  const service = validateConfig(rest, { baseDir: dirname(path), file: path, env, defaultMemoryLimitMb: await defaultMemoryLimitMb() });
  await checkReportTemplates(service.reports);
  return { ...service, queue: readQueueConfig(queue, env, dirname(path)) };
}
