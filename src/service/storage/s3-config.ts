/**
 * `storage.s3`: an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2, …) that holds finished export files
 * instead of `<storage.dir>/files`. Shared by the API and every distributed worker (docs/storage.md).
 *
 * ```json
 * "storage": { "dir": "./state", "s3": { "bucket": "reports", "region": "eu-central-1", "prefix": "exports/",
 *              "accessKeyIdEnv": "S3_KEY_ID", "secretAccessKeyEnv": "S3_SECRET", "presignSeconds": 900,
 *              "download": "redirect" } }
 * ```
 * Credentials: `accessKeyId`/`secretAccessKey` (with `${ENV}` expanded) or `...Env` naming variables; without
 * any, the AWS SDK's default chain (env, profile, instance role) is used. Errors are SHEETPIPE_ERR_SERVICE_CONFIG
 * naming the key, never its value.
 */
import { childPath, configError, expandEnv, expectObject, optionalBoolean, optionalNumber, optionalString, readSecret, rejectUnknownKeys, requiredString } from '../config/fields.js';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3Config {
  readonly bucket: string;
  readonly region: string;
  /** A non-AWS endpoint (`http://minio.internal:9000`); undefined: AWS. */
  readonly endpoint?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (most self-hosted stores). */
  readonly forcePathStyle: boolean;
  /** Undefined: the SDK's default credential chain. */
  readonly credentials?: S3Credentials;
  /** Put before every key (`exports/`); empty by default. */
  readonly prefix: string;
  /** Lifetime of a presigned download URL (900 s). */
  readonly presignSeconds: number;
  /** `redirect`: 302 to a presigned URL (the bytes never pass the API); `proxy`: the API streams the object. */
  readonly download: 'redirect' | 'proxy';
}

const KEYS = [
  'bucket', 'region', 'endpoint', 'forcePathStyle', 'prefix', 'presignSeconds', 'download',
  'accessKeyId', 'accessKeyIdEnv', 'secretAccessKey', 'secretAccessKeyEnv', 'sessionToken', 'sessionTokenEnv',
];
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^([A-Za-z0-9_.-]+\/)*$/;

/** A secret given inline (`${ENV}` expanded, so the file need not hold it) or by the name of an environment variable. */
function secret(object: Record<string, unknown>, key: string, path: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = readSecret(object, path, env, key);
  return value === undefined || optionalString(object, key, path) === undefined ? value : expandEnv(value, env, childPath(path, key));
}

function readCredentials(object: Record<string, unknown>, path: string, env: NodeJS.ProcessEnv): S3Credentials | undefined {
  const accessKeyId = secret(object, 'accessKeyId', path, env);
  const secretAccessKey = secret(object, 'secretAccessKey', path, env);
  const sessionToken = secret(object, 'sessionToken', path, env);
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined) throw configError(childPath(path, 'accessKeyId'), 'is required with secretAccessKey');
  if (secretAccessKey === undefined) throw configError(childPath(path, 'secretAccessKey'), 'is required with accessKeyId');
  return { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) };
}

/** Reads `storage.s3`; undefined when absent (files stay in storage.dir). */
export function readS3Config(raw: unknown, env: NodeJS.ProcessEnv, path = 'storage.s3'): S3Config | undefined {
  if (raw === undefined) return undefined;
  const object = expectObject(raw, path);
  rejectUnknownKeys(object, KEYS, path);
  const bucket = requiredString(object, 'bucket', path);
  if (!BUCKET.test(bucket)) throw configError(childPath(path, 'bucket'), 'expected an S3 bucket name (3 to 63 lower-case letters, digits, . or -)');
  const endpointText = optionalString(object, 'endpoint', path);
  const endpoint = endpointText === undefined ? undefined : expandEnv(endpointText, env, childPath(path, 'endpoint'));
  if (endpoint !== undefined && !/^https?:\/\/[^/?#@\s]+\/?$/.test(endpoint)) {
    throw configError(childPath(path, 'endpoint'), 'expected http(s)://host[:port] without user, path or query');
  }
  const prefix = optionalString(object, 'prefix', path) ?? '';
  if (!PREFIX.test(prefix)) throw configError(childPath(path, 'prefix'), 'expected segments of letters, digits, _ . - each ending in /');
  const download = optionalString(object, 'download', path) ?? 'redirect';
  if (download !== 'redirect' && download !== 'proxy') throw configError(childPath(path, 'download'), 'expected "redirect" or "proxy"');
  const credentials = readCredentials(object, path, env);
  return {
    bucket,
    region: optionalString(object, 'region', path) ?? env.AWS_REGION ?? 'us-east-1',
    ...(endpoint === undefined ? {} : { endpoint: endpoint.replace(/\/$/, '') }),
    forcePathStyle: optionalBoolean(object, 'forcePathStyle', path) ?? endpoint !== undefined,
    ...(credentials === undefined ? {} : { credentials }),
    prefix,
    // SigV4 presigned URLs live at most 7 days.
    presignSeconds: optionalNumber(object, 'presignSeconds', path, { integer: true, min: 1, max: 604_800 }) ?? 900,
    download,
  };
}
