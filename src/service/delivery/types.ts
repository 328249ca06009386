/** The shapes of the `deliveries`, `smtp` and `links` config sections (read by config.ts); a leaf, so config/types.ts can name them. */

export interface RetryConfig {
  /** Attempts in all, the first included (5). */
  readonly maxAttempts: number;
  /** Backoff before retry n is a random time in [0, min(backoffSeconds · 2^(n-1), maxBackoffSeconds)] ("full jitter"). */
  readonly backoffSeconds: number;
  readonly maxBackoffSeconds: number;
  /** How long one attempt may take (10 s webhook, 60 s email). */
  readonly timeoutSeconds: number;
}

export interface WebhookTarget extends RetryConfig {
  readonly type: 'webhook';
  readonly name: string;
  readonly url: string;
  /** HMAC-SHA256 key of the `Sheetpipe-Signature` header (src/webhooks.ts). */
  readonly secret: string;
}

export interface EmailTarget extends RetryConfig {
  readonly type: 'email';
  readonly name: string;
  readonly to: readonly string[];
  readonly subject?: string;
}

export type DeliveryTarget = WebhookTarget | EmailTarget;

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS, required unless `requireTls` is false. */
  readonly secure: boolean;
  readonly requireTls: boolean;
  /** PEM of a private CA for the server's certificate; certificate checking cannot be turned off. */
  readonly ca?: string;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  /** Files up to this size are attached; larger ones are sent as a link (10 MB). */
  readonly attachMaxBytes: number;
}

export interface LinksConfig {
  /** The service's public URL, which signed links start with (default `http://<server.host>:<server.port>`). */
  readonly baseUrl?: string;
  /** HMAC key of signed links; default a random key kept in `<storage.dir>/link-secret` (delivery/links.ts). */
  readonly secret?: string;
  readonly ttlHours: number;
}

export interface DeliveryConfig {
  readonly targets: ReadonlyMap<string, DeliveryTarget>;
  readonly smtp?: SmtpConfig;
  readonly links: LinksConfig;
}
