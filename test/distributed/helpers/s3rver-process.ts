/**
 * An S3-compatible server for tests in its own process (so a test can stop it mid-upload): s3rver on
 * 127.0.0.1, an ephemeral port, a temp directory and one bucket. Prints `s3rver listening <port>` when ready.
 *
 * s3rver 3.7 lacks AbortMultipartUpload (DELETE /bucket/key?uploadId=…, 405 there): the handler below
 * removes the upload's parts as S3 does, answering 204 (also for an unknown upload, as S3 answers 404 would
 * only fail a retry). Its other gaps against AWS S3 are listed in docs/storage.md.
 *
 * usage: node s3rver-process.js <directory> <bucket>
 */
import { createRequire } from 'node:module';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

const [directory, bucket] = process.argv.slice(2) as [string, string];
// s3rver ships no types.
const S3rver = createRequire(import.meta.url)('s3rver');

const UPLOADS_DIR = '._S3rver_uploads';

const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
server.middleware.unshift(async (ctx: { method: string; path: string; query: Record<string, string>; status: number; body: unknown }, next: () => Promise<void>) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method !== 'DELETE' || uploadId === undefined || !/^[0-9a-f]+$/.test(uploadId)) return next();
  const name = ctx.path.split('/')[1] ?? '';
  await rm(join(directory, name, UPLOADS_DIR, uploadId), { recursive: true, force: true });
  ctx.status = 204;
  ctx.body = null;
});
const address = (await server.run()) as { port: number };
process.stdout.write(`s3rver listening ${address.port}\n`);
