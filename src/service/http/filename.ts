/**
 * The file name a client asks for (`filename`), as Content-Disposition will carry it. Refused (400):
 * path separators, control characters (C0, DEL, C1) and Unicode format characters — the bidi overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) that make `invoice‮xslx.exe` display as
 * `invoiceexe.xlsx`, zero-width characters, BOM — plus line/paragraph separators, names of only dots,
 * and names longer than `limits.filenameLength`.
 *
 * The extension always matches the format: a name that does not end in `.<format>` (any case) gets it
 * appended (`report.csv` asked as xlsx is served as `report.csv.xlsx`), so xlsx bytes are never named
 * `.csv` and no other extension (`.html`, `.exe`) is ever the last one. Appending rather than replacing
 * keeps every character the client chose, and rather than refusing keeps old clients working.
 */
import { SheetpipeError } from '../../errors.js';
import type { ExportFormat } from '../../pipeline/types.js';

// \p{Cc}: C0, DEL, C1; \p{Cf}: bidi controls, zero-width, BOM, soft hyphen; \p{Zl}\p{Zp}: U+2028/9.
const FORBIDDEN = /[/\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** What is wrong with `name` as a stored download name (extension included), or undefined. */
export function filenameProblem(name: string, format: ExportFormat, maxLength: number, extension = true): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > maxLength) return `must be at most ${maxLength} characters`;
  if (FORBIDDEN.test(name)) return 'must not contain / \\, control characters or invisible formatting (bidi) characters';
  if (/^[.\s]*$/.test(name)) return 'must not be only dots or spaces';
  if (extension && !name.toLowerCase().endsWith(`.${format}`)) return `must end in .${format}`;
  return undefined;
}

/** `name` with `.<format>` appended unless it already ends so. */
export function withExtension(name: string, format: ExportFormat): string {
  return name.toLowerCase().endsWith(`.${format}`) ? name : `${name}.${format}`;
}

/**
 * A client's `filename` (undefined: none), checked and given the format's extension.
 * @throws SheetpipeError SHEETPIPE_ERR_SERVICE_LIMIT naming limits.filenameLength when it is too long;
 *   SHEETPIPE_ERR_SERVICE_BAD_REQUEST for forbidden characters.
 */
export function readFilename(value: unknown, format: ExportFormat, maxLength: number, where: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [`${where} must be a non-empty string`]);
  if (value.length > maxLength) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_LIMIT', [`${where} of ${value.length} characters`, 'filenameLength', maxLength]);
  // Checked before the extension is appended, which would hide a name of only dots (`..` → `...xlsx`).
  const problem = filenameProblem(value, format, maxLength, false) ?? filenameProblem(withExtension(value, format), format, maxLength + format.length + 1);
  if (problem !== undefined) throw new SheetpipeError('SHEETPIPE_ERR_SERVICE_BAD_REQUEST', [`${where} ${problem}`]);
  return withExtension(value, format);
}
