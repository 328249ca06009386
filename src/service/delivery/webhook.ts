/**
 * One webhook attempt: a signed JSON POST (src/webhooks.ts) to a URL from the config. Redirects are not
 * followed (a receiver must not be able to point the service at another host), and the attempt is bounded
 * by the target's timeout. A 2xx answer is success; anything else throws SHEETPIPE_ERR_DELIVERY_WEBHOOK
 * with the status, or with the system's error code (never the URL) when the receiver could not be reached.
 */
import { SheetpipeError } from '../../errors.js';
import { signWebhook } from '../../webhooks.js';
import type { WebhookTarget } from './config.js';

export interface AttemptResult {
  /** HTTP status or SMTP reply code, when there was one. */
  readonly status?: number;
}

function systemCode(error: unknown): string {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    if (current.name === 'TimeoutError') return 'timed out';
  }
  return 'the request failed';
}

/** POSTs `body` with the `Sheetpipe-Signature`, `Sheetpipe-Delivery` (idempotency key) and `Sheetpipe-Event` headers. */
export async function sendWebhook(target: WebhookTarget, deliveryId: string, event: string, body: string): Promise<AttemptResult> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'sheetpipe-webhook',
        'sheetpipe-signature': signWebhook(target.secret, body),
        'sheetpipe-delivery': deliveryId,
        'sheetpipe-event': event,
      },
      body,
    });
  } catch (error) {
    throw new SheetpipeError('SHEETPIPE_ERR_DELIVERY_WEBHOOK', [target.name, systemCode(error)], { cause: error });
  }
  // The body is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) {
    throw new SheetpipeError('SHEETPIPE_ERR_DELIVERY_WEBHOOK', [target.name, `the receiver answered HTTP ${response.status}`], { details: { status: response.status } });
  }
  return { status: response.status };
}
