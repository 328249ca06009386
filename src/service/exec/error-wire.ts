/**
 * The one way an error crosses a thread or a process: the catalogue's `{ code, args }` (the form
 * SheetpipeError keeps its `args` for), rebuilt on the other side into the same SheetpipeError,
 * message and all, by the catalogue's own template. Anything that is not a catalogue error crosses
 * as SHEETPIPE_ERR_SERVICE_INTERNAL with its message as the argument.
 */
import { ERRORS, SheetpipeError, isSheetpipeError, type ErrorCode } from '../../errors.js';
import type { JobError } from '../jobs/types.js';

export interface WireError {
  readonly code: string;
  readonly args: readonly string[];
}

/** `error` as a catalogue error: itself, or SHEETPIPE_ERR_SERVICE_INTERNAL carrying its message. */
export function catalogueError(error: unknown): SheetpipeError {
  if (isSheetpipeError(error)) return error;
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', [(error as Error)?.message ?? String(error)], { cause: error });
}

export function toWire(error: unknown): WireError {
  const known = catalogueError(error);
  return { code: known.code, args: known.args };
}

/** The error `toWire` encoded; a code this build does not know (a newer peer) stays readable as an internal error. */
export function fromWire(wire: WireError): SheetpipeError {
  if (Object.hasOwn(ERRORS, wire.code)) return new SheetpipeError(wire.code as ErrorCode, wire.args);
  return new SheetpipeError('SHEETPIPE_ERR_SERVICE_INTERNAL', [`${wire.code}: ${wire.args.join(', ')}`]);
}

/** The `{ code, message }` a job record keeps of its error. */
export function jobErrorOf(error: unknown): JobError {
  const known = catalogueError(error);
  return { code: known.code, message: known.message };
}
