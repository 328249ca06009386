/**
 * `reports.NAME.template` (docs/service.md): a single-query report fills the user's workbook. The shape is read with the
 * rest of the config; the workbook itself is opened and checked by the template module's own prepare step, once per
 * load or reload, so a missing or unsafe template stops the config, not the first job.
 */
import { resolve } from 'node:path';
import { isSheetpipeError, type SheetpipeError } from '../../errors.js';
import { parseTarget } from '../../template/target.js';
import { childPath, configError, expectObject, rejectUnknownKeys, requiredString } from './fields.js';
import type { ReportConfig, ReportTemplateConfig } from './types.js';

/** @throws SHEETPIPE_ERR_SERVICE_CONFIG naming `reports.NAME.template…`. */
export function readReportTemplate(raw: unknown, baseDir: string, path: string): ReportTemplateConfig | undefined {
  if (raw === undefined) return undefined;
  const object = expectObject(raw, path);
  rejectUnknownKeys(object, ['file', 'into'], path);
  const file = requiredString(object, 'file', path);
  const into = requiredString(object, 'into', path);
  try {
    parseTarget(into);
  } catch (error) {
    throw asConfigError(error, childPath(path, 'into'));
  }
  return { file: resolve(baseDir, file), into };
}

/** Which key a template refusal is about: the workbook itself, or the target inside it. */
const ABOUT_FILE = ['SHEETPIPE_ERR_TEMPLATE_NOT_FOUND', 'SHEETPIPE_ERR_TEMPLATE_NOT_XLSX', 'SHEETPIPE_ERR_TEMPLATE_ENCRYPTED', 'SHEETPIPE_ERR_TEMPLATE_CORRUPT'];

function asConfigError(error: unknown, path: string): SheetpipeError {
  if (!isSheetpipeError(error) || !error.code.startsWith('SHEETPIPE_ERR_TEMPLATE_')) throw error;
  // The template module names the file by its base name only, so the message carries no absolute path.
  return configError(path, `${error.message} (${error.code})`);
}

/**
 * Opens every report's template and runs the fill's own checks (target found, safe to fill), then closes it.
 * The template module is imported only when a report has a template, as the pipeline does.
 * @throws SHEETPIPE_ERR_SERVICE_CONFIG naming `reports.NAME.template.file` or `….into`.
 */
export async function checkReportTemplates(reports: ReadonlyMap<string, ReportConfig>): Promise<void> {
  const withTemplate = [...reports.values()].filter((report) => report.template !== undefined);
  if (withTemplate.length === 0) return;
  const { prepareTemplate } = await import('../../template/prepare.js');
  for (const report of withTemplate) {
    const template = report.template as ReportTemplateConfig;
    const path = childPath(childPath('reports', report.name), 'template');
    try {
      (await prepareTemplate(template.file, template.into)).pkg.close();
    } catch (error) {
      const code = isSheetpipeError(error) ? error.code : '';
      throw asConfigError(error, childPath(path, ABOUT_FILE.includes(code) ? 'file' : 'into'));
    }
  }
}
