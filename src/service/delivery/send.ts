/** Turns a finished job into one attempt for its target: the signed payload of a webhook, or an email. */
import type { ServiceConfig } from '../config/types.js';
import { downloadName } from '../export-plan.js';
import type { JobFiles } from '../jobs/files.js';
import { CONTENT_TYPES, contentDisposition } from '../http/range.js';
import { outputKey } from '../distributed/storage.js';
import { contentTypeOfKey } from '../storage/content-type.js';
import type { S3Storage } from '../storage/s3-storage.js';
import type { JobRecord } from '../jobs/types.js';
import { sendEmail, type EmailContent } from './email.js';
import type { LinkSigner } from './links.js';
import type { Sender } from './manager.js';
import { deliveryPayload, eventOf } from './payload.js';
import { sendWebhook } from './webhook.js';

/** `attachment`: where the file is read from (a path, or a presigned URL nodemailer fetches); undefined: not attached. */
function emailContent(config: ServiceConfig, job: JobRecord, attachment: string | undefined, link: string | null, subject?: string): EmailContent {
  const attach = attachment !== undefined;
  const what = job.report ?? job.source ?? 'export';
  const name = downloadName(job, job.id);
  const payload = deliveryPayload(config, job, '', null).export as { error: { message: string } | null };
  const lines = job.status === 'succeeded'
    ? [`The export ${what} (${job.rows} rows) is ready.`, attach ? `It is attached as ${name}.` : `Download it here: ${link}`,
      ...(attach && link ? [`Or download it here: ${link}`] : [])]
    : [`The export ${what} failed: ${payload.error?.message ?? 'unknown error'}.`];
  return {
    subject: subject ?? `sheetpipe: ${what} ${job.status}`,
    text: `${lines.join('\n')}\n\nExport ${job.id}${job.schedule ? `, schedule ${job.schedule}` : ''}.\n`,
    ...(attach ? { attachment: { filename: name, path: attachment, contentType: CONTENT_TYPES[job.format] } } : {}),
  };
}

/** The file to attach: from the directory, or (storage.s3) a presigned URL the mailer downloads while it sends. */
async function attachmentOf(job: JobRecord, files: JobFiles, objects: S3Storage | undefined): Promise<string> {
  if (objects === undefined) return files.pathOf(job.id, job.format);
  const key = outputKey(job.id, job.format);
  return objects.presign(key, { contentDisposition: contentDisposition(downloadName(job, job.id)), contentType: contentTypeOfKey(key) });
}

export function createSender(config: ServiceConfig, files: JobFiles, links: LinkSigner, objects?: S3Storage): Sender {
  return async (target, job, deliveryId) => {
    const link = job.status === 'succeeded' ? links.sign(job.id, job.finishedAt ?? job.createdAt) : null;
    if (target.type === 'webhook') {
      return sendWebhook(target, deliveryId, eventOf(job), JSON.stringify(deliveryPayload(config, job, deliveryId, link)));
    }
    const smtp = config.delivery.smtp;
    // Config load refuses email deliveries without smtp; a config object built in code might still lack it.
    if (smtp === undefined) throw new Error('an email delivery needs the smtp section');
    const attach = job.status === 'succeeded' && job.bytes <= smtp.attachMaxBytes;
    const attachment = attach ? await attachmentOf(job, files, objects) : undefined;
    return sendEmail(smtp, target, deliveryId, emailContent(config, job, attachment, link?.url ?? null, target.subject));
  };
}
