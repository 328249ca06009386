/**
 * A private copy of the compiled code for the children to run. Others rebuild dist/ while a
 * 10-minute benchmark runs (tsc rewrites every file); without the copy, later rounds could
 * measure different code from earlier ones. The copy lives inside dist/ so that package imports
 * (exceljs, pg) still resolve through the repository's node_modules.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ of the running harness (this file is dist/bench/snapshot.js). */
const DIST = fileURLToPath(new URL('../', import.meta.url));

export interface Snapshot {
  /** Directory holding the copied cases, i.e. <snapshot>/bench/cases. */
  readonly casesDir: string;
  remove(): void;
}

export function snapshotBuild(): Snapshot {
  const root = join(DIST, `.bench-snapshot-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  for (const part of ['src', 'bench']) cpSync(join(DIST, part), join(root, part), { recursive: true });
  return { casesDir: join(root, 'bench', 'cases'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The cases as compiled, without a copy (tests). */
export const COMPILED_CASES_DIR = join(DIST, 'bench', 'cases');
