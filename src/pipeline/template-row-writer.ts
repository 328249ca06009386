import type { Writable } from 'node:stream';
import { SheetpipeError } from '../errors.js';
import type { PreparedTemplate, TemplateWriterOptions } from '../template/index.js';
import type { RowWriter } from './row-writer.js';
import type { ExportFormat, ExportOptions } from './types.js';

export type { PreparedTemplate } from '../template/index.js';

/**
 * The template fill for the pipeline. Loaded on first use, like the engine, so plain exports never load the template
 * reader (yauzl, saxes).
 */
export async function prepareTemplateFor(template: NonNullable<ExportOptions['template']>, format: ExportFormat): Promise<PreparedTemplate> {
  if (format !== 'xlsx') throw new SheetpipeError('SHEETPIPE_ERR_PIPELINE_BAD_OPTION', ['template', 'a template is filled only into an .xlsx output']);
  const { prepareTemplate } = await import('../template/index.js');
  return prepareTemplate(template.file, template.into);
}

export async function openTemplateWriter(stream: Writable, template: PreparedTemplate, options: TemplateWriterOptions): Promise<RowWriter> {
  const { TemplateWriter } = await import('../template/index.js');
  return TemplateWriter.open(stream, template, options);
}
