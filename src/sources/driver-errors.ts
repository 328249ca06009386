/**
 * Driver failures in the user's terms: which server, and why in a few words. Passwords never
 * appear in a message.
 */
import { SheetpipeError } from '../errors.js';

/** The source URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the server running and listening on that port?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'the server closed the connection',
  EPIPE: 'the server closed the connection',
};

/** A short reason for a socket-level error, or undefined when `error` is not one. */
export function networkReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? NETWORK_REASONS[code] : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function connectError(target: string, error: unknown, reason = networkReason(error) ?? messageOf(error)): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_CONNECT', [target, reason], { cause: error });
}

export function authError(target: string, error: unknown): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_AUTH', [target, messageOf(error)], { cause: error });
}

export function queryError(error: unknown, message = messageOf(error)): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_SOURCE_QUERY', [message], { cause: error });
}
