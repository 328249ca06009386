import { basename } from 'node:path';
import { locateTarget, type LocatedTarget } from './locate.js';
import { planPackageEdits, type PackageEdits } from './package-edits.js';
import { TemplatePackage } from './package-reader.js';
import { splitSheet, type SheetSplit } from './sheet-split.js';
import { parseTarget, type TemplateTarget } from './target.js';

/** A template checked and cut, ready to take rows: everything that can refuse it has run. */
export interface PreparedTemplate {
  readonly pkg: TemplatePackage;
  readonly target: LocatedTarget;
  readonly split: SheetSplit;
  readonly edits: PackageEdits;
}

/**
 * Opens `file` and checks that `into` can be filled safely; done before any query runs, so a bad template costs no
 * database work and leaves no output. The package stays open for the fill; `close()` it when the fill is not run.
 * Throws SHEETPIPE_ERR_TEMPLATE_* (messages name the file by its base name only).
 */
export async function prepareTemplate(file: string, into: string | TemplateTarget): Promise<PreparedTemplate> {
  const resolved = parseTarget(into);
  const pkg = await TemplatePackage.open(file, basename(file));
  try {
    const located = await locateTarget(pkg, resolved);
    const split = splitSheet(await pkg.text(located.sheetPath), located);
    const target = { ...located, area: split.area };
    const edits = await planPackageEdits(pkg, target);
    return { pkg, target, split, edits };
  } catch (error) {
    pkg.close();
    throw error;
  }
}
