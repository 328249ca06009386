import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './xlsx-check.js';

const run = promisify(execFile);

/** The shared schema checker (ECMA-376 transitional + OPC), beside the repository like xlsx-check. */
export const xlsxXsdPath = process.env.XLSX_XSD ?? resolve(repoRoot, '../shared/tools/xlsx-xsd');

/** Validates every XML part of `file`; returns the exit code and output. Fails loudly when the checker is missing. */
export async function xlsxXsd(file: string): Promise<{ code: number; output: string }> {
  if (!existsSync(xlsxXsdPath)) throw new Error(`xlsx-xsd not found at ${xlsxXsdPath} (shared/ must lie beside the repo)`);
  try {
    const { stdout, stderr } = await run(xlsxXsdPath, [file], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}
