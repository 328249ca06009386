/**
 * One email attempt over SMTP (nodemailer). The file is attached when it is at most `smtp.attachMaxMb`;
 * above that, and always for a failed export, the mail carries the signed link instead. STARTTLS is
 * required unless `smtp.requireTls` is false (or `secure` uses TLS from the start); certificates are always
 * checked (`smtp.caFile` for a private CA). Recipients come from the config only.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { SheetpipeError } from '../../errors.js';
import type { EmailTarget, SmtpConfig } from './config.js';
import type { AttemptResult } from './webhook.js';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  /** Attached when present. */
  readonly attachment?: { readonly filename: string; readonly path: string; readonly contentType: string };
}

export function createTransport(smtp: SmtpConfig, timeoutSeconds: number): Transporter {
  const timeoutMs = timeoutSeconds * 1000;
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.requireTls,
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(smtp.ca === undefined ? {} : { ca: smtp.ca }) },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

/** Sends `content` to the target's recipients; SHEETPIPE_ERR_DELIVERY_EMAIL with the SMTP reply code on failure. */
export async function sendEmail(smtp: SmtpConfig, target: EmailTarget, deliveryId: string, content: EmailContent): Promise<AttemptResult> {
  const transport = createTransport(smtp, target.timeoutSeconds);
  try {
    const info = await transport.sendMail({
      from: smtp.from,
      to: [...target.to],
      subject: content.subject,
      text: content.text,
      // The same id on every attempt lets a mail system drop a duplicate after a retry.
      messageId: `<${deliveryId.replace(/[^A-Za-z0-9.-]/g, '.')}@sheetpipe>`,
      headers: { 'Sheetpipe-Delivery': deliveryId },
      ...(content.attachment === undefined ? {} : { attachments: [{ ...content.attachment }] }),
    });
    const code = /^(\d{3})/.exec(String(info.response ?? ''));
    return code ? { status: Number(code[1]) } : {};
  } catch (error) {
    const failure = error as { responseCode?: unknown; code?: unknown };
    const reply = typeof failure.responseCode === 'number' ? failure.responseCode : undefined;
    // The server's reply text can name hosts and users: only the code and nodemailer's error class are kept.
    const why = reply !== undefined ? `the server replied ${reply}` : typeof failure.code === 'string' ? failure.code : 'sending failed';
    throw new SheetpipeError('SHEETPIPE_ERR_DELIVERY_EMAIL', [target.name, why], { cause: error, details: reply === undefined ? {} : { status: reply } });
  } finally {
    transport.close();
  }
}
