/**
 * Signed download links that outlive a weekend: `<baseUrl>/v1/links/<jobId>.<expiry>.<mac>` where mac is
 * HMAC-SHA256(secret, `<jobId>.<expiry>`). The link is the credential (mail clients cannot send a bearer
 * token), so it names one job, expires (`links.ttlHours`, 7 days) and cannot be altered; opening it serves
 * the file fresh from storage (with storage.s3: a freshly presigned URL, http/object-download.ts). The expiry is
 * counted from the job's end, so every retry of a delivery carries the same link.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/types.js';

export interface SignedLink {
  readonly url: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export type LinkCheck = { readonly ok: true; readonly jobId: string; readonly expiresAt: number } | { readonly ok: false; readonly expired?: number };

/** The configured secret, else a random one kept in `<storage.dir>/link-secret` (0600) so links survive restarts. */
function linkSecret(config: ServiceConfig): string {
  if (config.delivery.links.secret !== undefined) return config.delivery.links.secret;
  const file = join(config.storage.dir, 'link-secret');
  if (!existsSync(file)) {
    mkdirSync(config.storage.dir, { recursive: true });
    // 'wx': two processes starting at once do not overwrite each other's key.
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

export class LinkSigner {
  /** Read (or created) on first use, so a service that never issues links leaves no key file behind. */
  #secret: string | undefined;
  readonly #config: ServiceConfig;
  readonly #baseUrl: () => string;
  readonly #ttlMs: number;

  /** `listening`: the address the service listens on, the base URL when `links.baseUrl` is not set. */
  constructor(config: ServiceConfig, listening: () => string | undefined = () => undefined) {
    this.#config = config;
    const configured = config.delivery.links.baseUrl;
    this.#baseUrl = () => configured ?? listening() ?? `http://${config.server.host}:${config.server.port}`;
    this.#ttlMs = config.delivery.links.ttlHours * 3_600_000;
  }

  #mac(payload: string): Buffer {
    this.#secret ??= linkSecret(this.#config);
    return createHmac('sha256', this.#secret).update(payload).digest();
  }

  /** A link to `jobId`'s file valid until `from` + links.ttlHours. */
  sign(jobId: string, from: number): SignedLink {
    const expiry = Math.floor((from + this.#ttlMs) / 1000);
    const payload = `${jobId}.${expiry}`;
    return { url: `${this.#baseUrl()}/v1/links/${payload}.${this.#mac(payload).toString('base64url')}`, expiresAt: expiry * 1000 };
  }

  verify(token: string, now = Date.now()): LinkCheck {
    const match = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return { ok: false };
    const [, jobId, expiry, mac] = match as unknown as [string, string, string, string];
    // Compared as text: base64url's last character carries spare bits, so decoding would accept variants of one MAC.
    const given = Buffer.from(mac);
    const expected = Buffer.from(this.#mac(`${jobId}.${expiry}`).toString('base64url'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false };
    const expiresAt = Number(expiry) * 1000;
    return now > expiresAt ? { ok: false, expired: expiresAt } : { ok: true, jobId, expiresAt };
  }
}
