/**
 * Signing and verifying sheetpipe webhooks (`import { verifyWebhook } from 'sheetpipe/webhooks'`).
 *
 * The scheme is Stripe's: the header `Sheetpipe-Signature: t=<unix seconds>,v1=<hex>` where v1 is
 * HMAC-SHA256(secret, `${t}.${rawBody}`). Signing the timestamp with the body lets a receiver refuse replays
 * older than a tolerance window (5 minutes by default); comparing in constant time keeps the expected
 * signature from leaking through timing. Several v1 entries may appear (a receiver accepts any), which lets
 * an operator rotate a secret.
 *
 * @example
 *   // in the receiver, with the raw body bytes exactly as received:
 *   const check = verifyWebhook(process.env.SHEETPIPE_WEBHOOK_SECRET, req.headers['sheetpipe-signature'], rawBody);
 *   if (!check.ok) return res.writeHead(400).end(check.reason);
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'sheetpipe-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest();
}

/** The header value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: string | Uint8Array, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body).toString('hex')}`;
}

export type WebhookCheck = { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: string };

export interface VerifyOptions {
  /** Oldest (and furthest in the future) a timestamp may be, in seconds (300). */
  readonly toleranceSeconds?: number;
  /** The receiver's clock, epoch ms (Date.now()). */
  readonly now?: number;
}

/**
 * Checks a `Sheetpipe-Signature` header against the raw request body. Never throws for bad input: answers
 * `{ ok: false, reason }` for a missing or malformed header, a timestamp outside the tolerance, or no
 * matching signature.
 */
export function verifyWebhook(secret: string, header: string | string[] | undefined, body: string | Uint8Array, options: VerifyOptions = {}): WebhookCheck {
  if (typeof header !== 'string' || header === '') return { ok: false, reason: 'no signature header' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2) as [string, string | undefined];
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed signature header' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: `timestamp outside the tolerance of ${tolerance} s` };
  const expected = hmac(secret, timestamp, body);
  // Every candidate is compared (no early exit) so timing does not show which one matched.
  let match = false;
  for (const signature of signatures) match = timingSafeEqual(signature, expected) || match;
  return match ? { ok: true, timestamp } : { ok: false, reason: 'no signature matches' };
}
