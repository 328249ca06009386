/**
 * A real S3-compatible server (s3rver, npm) for tests, in a child process: start it on an ephemeral port
 * with a temp directory, read objects and pending multipart uploads back from that directory, stop it
 * (SIGKILL: a store that vanishes mid-upload).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Config } from '../../../src/service/storage/s3-config.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 's3rver-process.js');
export const S3_BUCKET = 'sheetpipe-test';
/** s3rver keeps a pending multipart upload in this folder of the bucket (s3rver-process.ts aborts there). */
const UPLOADS_DIR = '._S3rver_uploads';
/** s3rver's built-in account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  readonly endpoint: string;
  readonly dir: string;
  /** `storage.s3` for a config file. */
  readonly configJson: Record<string, unknown>;
  readonly config: S3Config;
  /** Object keys in the bucket (s3rver keeps `<key>._S3rver_object` files). */
  objects(): Promise<string[]>;
  /** Multipart uploads started and neither completed nor aborted. */
  pendingUploads(): Promise<string[]>;
  /** SIGKILL: connections drop, nothing is answered any more. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

async function spawnServer(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [ENTRY, dir, S3_BUCKET], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /s3rver listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code}): ${output}`));
    });
  });
  return { child, port: listening };
}

async function list(dir: string, suffix: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith(suffix)).map((name) => name.slice(0, -suffix.length)).sort();
}

export async function startS3Server(options: { download?: 'redirect' | 'proxy'; prefix?: string } = {}): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'sheetpipe-s3-'));
  const { child, port } = await spawnServer(dir);
  const endpoint = `http://127.0.0.1:${port}`;
  const prefix = options.prefix ?? '';
  const download = options.download ?? 'redirect';
  const configJson = { bucket: S3_BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true, ...(prefix === '' ? {} : { prefix }), download, ...S3_CREDENTIALS };
  const config: S3Config = { bucket: S3_BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true, prefix, presignSeconds: 900, download, credentials: S3_CREDENTIALS };
  const bucketDir = join(dir, S3_BUCKET);
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    endpoint, dir, configJson, config,
    objects: () => list(bucketDir, '._S3rver_object'),
    pendingUploads: async () => readdir(join(bucketDir, UPLOADS_DIR)).catch(() => [] as string[]),
    kill,
    async close() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
