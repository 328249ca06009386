/**
 * Real peers for delivery tests: an HTTP webhook receiver on loopback, and an SMTP server (smtp-server, the
 * receiving side nodemailer's authors ship) with STARTTLS on a self-signed certificate and AUTH.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly at: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: Received[];
  /** Statuses to answer, in order; once used up, `fallback`. */
  readonly answers: number[];
  fallback: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(answers: number[] = [], fallback = 200): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const state = { answers, fallback };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks), at: Date.now() });
      response.writeHead(state.answers.shift() ?? state.fallback).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answers: state.answers,
    get fallback() { return state.fallback; },
    set fallback(status: number) { state.fallback = status; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface Mail {
  /** The session ran over TLS (STARTTLS) and authenticated as `user`. */
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

export interface SmtpReceiver {
  readonly port: number;
  /** PEM of the self-signed certificate (the client's `smtp.caFile`). */
  readonly caFile: string;
  readonly mails: Mail[];
  /** RCPT TO attempts refused so far (while `refuse` is set). */
  refusals: number;
  refuse: boolean;
  close(): Promise<void>;
}

export const SMTP_USER = 'sheetpipe';
export const SMTP_PASSWORD = 'smtp-secret';

/** A self-signed certificate for 127.0.0.1 / localhost, made with openssl in `dir`. */
function makeCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'smtp.key');
  const certFile = join(dir, 'smtp.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

export async function startSmtpReceiver(dir: string): Promise<SmtpReceiver> {
  const { key, cert, certFile } = makeCertificate(dir);
  const mails: Mail[] = [];
  const state = { refusals: 0, refuse: false };
  const server = new SMTPServer({
    key, cert,
    authMethods: ['PLAIN', 'LOGIN'],
    // AUTH only over TLS (smtp-server's default), so the client must STARTTLS first.
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
      return callback(new Error('invalid credentials'));
    },
    onRcptTo(_address, _session, callback) {
      if (!state.refuse) return callback();
      state.refusals++;
      const error = new Error('mailbox unavailable') as Error & { responseCode: number };
      error.responseCode = 550;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ secure: session.secure, user: session.user as string | undefined, from, to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('latin1') });
        callback();
      });
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port, caFile: certFile, mails,
    get refusals() { return state.refusals; },
    set refusals(value: number) { state.refusals = value; },
    get refuse() { return state.refuse; },
    set refuse(value: boolean) { state.refuse = value; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The attachments of a raw MIME message (base64 parts with a filename), decoded. */
export function attachmentsOf(raw: string): { filename: string; content: Buffer }[] {
  const found: { filename: string; content: Buffer }[] = [];
  const boundaries = [...raw.matchAll(/boundary="?([^"\r\n;]+)"?/g)].map((match) => match[1] as string);
  for (const boundary of boundaries) {
    for (const part of raw.split(`--${boundary}`)) {
      const split = part.indexOf('\r\n\r\n');
      if (split < 0) continue;
      const head = part.slice(0, split);
      const filename = /filename="?([^"\r\n;]+)"?/i.exec(head)?.[1];
      if (filename === undefined || !/content-transfer-encoding:\s*base64/i.test(head)) continue;
      found.push({ filename, content: Buffer.from(part.slice(split + 4).replace(/\s+/g, ''), 'base64') });
    }
  }
  return found;
}
