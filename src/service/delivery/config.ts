/**
 * The `deliveries`, `smtp` and `links` sections. Destinations live only here: a request may pick a
 * delivery by name from its report's `deliveries`, never send a URL or an address, so the service cannot
 * be made to call arbitrary hosts (SSRF) or mail arbitrary people. Secrets come from `secret`/`secretEnv`
 * (or `${ENV}` inside a URL), like the tokens' `token`/`tokenEnv`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ReportConfig, ScheduleConfig } from '../config/types.js';
import type { DeliveryConfig, DeliveryTarget, LinksConfig, RetryConfig, SmtpConfig } from './types.js';
import {
  childPath, configError, expandEnv, expectArray, expectObject, optionalBoolean, optionalNumber, optionalString, readSecret, rejectUnknownKeys, requiredString, type Json,
} from '../config/fields.js';

export type { DeliveryConfig, DeliveryTarget, EmailTarget, LinksConfig, SmtpConfig, WebhookTarget } from './types.js';

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;


function readRetry(object: Json, path: string, timeoutSeconds: number): RetryConfig {
  return {
    maxAttempts: optionalNumber(object, 'maxAttempts', path, { integer: true, min: 1, max: 100 }) ?? 5,
    backoffSeconds: optionalNumber(object, 'backoffSeconds', path, { min: 0 }) ?? 2,
    maxBackoffSeconds: optionalNumber(object, 'maxBackoffSeconds', path, { min: 0 }) ?? 600,
    timeoutSeconds: optionalNumber(object, 'timeoutSeconds', path, { above: 0 }) ?? timeoutSeconds,
  };
}

function readTarget(name: string, raw: unknown, env: NodeJS.ProcessEnv): DeliveryTarget {
  const path = childPath('deliveries', name);
  const object = expectObject(raw, path);
  const type = requiredString(object, 'type', path);
  const retryKeys = ['maxAttempts', 'backoffSeconds', 'maxBackoffSeconds', 'timeoutSeconds'];
  if (type === 'webhook') {
    rejectUnknownKeys(object, ['type', 'url', 'secret', 'secretEnv', ...retryKeys], path);
    const url = expandEnv(requiredString(object, 'url', path), env, childPath(path, 'url'));
    if (!/^https?:\/\/[^/]/.test(url)) throw configError(childPath(path, 'url'), 'expected an http:// or https:// URL');
    const secret = readSecret(object, path, env);
    if (secret === undefined) throw configError(path, 'give secret or secretEnv (the key receivers verify signatures with)');
    return { type, name, url, secret, ...readRetry(object, path, 10) };
  }
  if (type === 'email') {
    rejectUnknownKeys(object, ['type', 'to', 'subject', ...retryKeys], path);
    const to = expectArray(object.to, childPath(path, 'to')).map((address, index) => {
      if (typeof address !== 'string' || !EMAIL.test(address)) throw configError(childPath(childPath(path, 'to'), index), 'expected an email address');
      return address;
    });
    if (to.length === 0) throw configError(childPath(path, 'to'), 'give at least one recipient');
    const subject = optionalString(object, 'subject', path);
    return { type, name, to, ...(subject === undefined ? {} : { subject }), ...readRetry(object, path, 60) };
  }
  throw configError(childPath(path, 'type'), 'expected "webhook" or "email"');
}

function readSmtp(raw: unknown, env: NodeJS.ProcessEnv, baseDir: string): SmtpConfig | undefined {
  if (raw === undefined) return undefined;
  const object = expectObject(raw, 'smtp');
  rejectUnknownKeys(object, ['host', 'port', 'secure', 'requireTls', 'caFile', 'user', 'password', 'passwordEnv', 'from', 'attachMaxMb'], 'smtp');
  const secure = optionalBoolean(object, 'secure', 'smtp') ?? false;
  const caFile = optionalString(object, 'caFile', 'smtp');
  const user = optionalString(object, 'user', 'smtp');
  const password = readSecret(object, 'smtp', env, 'password');
  const from = requiredString(object, 'from', 'smtp');
  if (!EMAIL.test(from.replace(/^.*<([^>]*)>\s*$/, '$1'))) throw configError('smtp.from', 'expected an email address');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(resolve(baseDir, caFile), 'utf8');
    } catch (error) {
      throw configError('smtp.caFile', `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return {
    host: requiredString(object, 'host', 'smtp'),
    port: optionalNumber(object, 'port', 'smtp', { integer: true, min: 1, max: 65535 }) ?? (secure ? 465 : 587),
    secure,
    requireTls: optionalBoolean(object, 'requireTls', 'smtp') ?? true,
    from,
    attachMaxBytes: Math.round((optionalNumber(object, 'attachMaxMb', 'smtp', { min: 0 }) ?? 10) * 1024 * 1024),
    ...(ca === undefined ? {} : { ca }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
  };
}

function readLinks(raw: unknown, env: NodeJS.ProcessEnv): LinksConfig {
  const object = expectObject(raw ?? {}, 'links');
  rejectUnknownKeys(object, ['baseUrl', 'secret', 'secretEnv', 'ttlHours'], 'links');
  const baseUrl = optionalString(object, 'baseUrl', 'links');
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) throw configError('links.baseUrl', 'expected an http:// or https:// URL');
  const secret = readSecret(object, 'links', env);
  return {
    ttlHours: optionalNumber(object, 'ttlHours', 'links', { above: 0 }) ?? 168,
    ...(baseUrl === undefined ? {} : { baseUrl: baseUrl.replace(/\/+$/, '') }),
    ...(secret === undefined ? {} : { secret }),
  };
}

/** Reads the three sections and checks every delivery name used by a report or a schedule. */
export function readDeliveryConfig(
  root: Json, reports: ReadonlyMap<string, ReportConfig>, schedules: readonly ScheduleConfig[], env: NodeJS.ProcessEnv, baseDir: string,
): DeliveryConfig {
  const targets = new Map<string, DeliveryTarget>();
  for (const [name, raw] of Object.entries(expectObject(root.deliveries ?? {}, 'deliveries'))) targets.set(name, readTarget(name, raw, env));
  const smtp = readSmtp(root.smtp, env, baseDir);
  const check = (names: readonly string[], path: string): void => names.forEach((name, index) => {
    const target = targets.get(name);
    if (!target) throw configError(childPath(path, index), `no delivery named ${JSON.stringify(name)} in deliveries`);
  });
  for (const report of reports.values()) check(report.deliveries ?? [], childPath(childPath('reports', report.name), 'deliveries'));
  schedules.forEach((schedule, index) => check(schedule.deliver, childPath(childPath('schedules', index), 'deliver')));
  const email = [...targets.values()].find((target) => target.type === 'email');
  if (email && !smtp) throw configError(childPath('deliveries', email.name), 'an email delivery needs the smtp section');
  return { targets, links: readLinks(root.links, env), ...(smtp === undefined ? {} : { smtp }) };
}
