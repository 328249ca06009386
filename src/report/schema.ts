/**
 * The JSON Schema of a report definition (schema/report.schema.json, shipped in the package so editors complete
 * and check report files) and the validator's errors as key paths: `sheets[1].columns.amount.format: unknown
 * currency "EURO"`.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** dist/src/report/ is three levels below the package root, like the CLI's package.json lookup. */
export const REPORT_SCHEMA_URL = new URL('../../../schema/report.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_URL, 'utf8')) as object;
    compiled = new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return compiled;
}

/** `/sheets/1/columns/amount` → `sheets[1].columns.amount`. */
function keyPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '');
}

function describe(error: ErrorObject): { path: string; message: string } {
  const path = keyPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return { path: path === '' ? key : `${path}.${key}`, message: 'unknown key' };
    }
    case 'required':
      return { path, message: `missing key ${JSON.stringify(params.missingProperty)}` };
    case 'enum': {
      const value = JSON.stringify(error.data);
      // The currency's own key adds nothing to the message: name the format it belongs to.
      if (path.endsWith('.currency')) return { path: path.slice(0, -'.currency'.length), message: `unknown currency ${value}` };
      return { path, message: `${value} is not one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    }
    case 'pattern':
      return { path, message: `${JSON.stringify(error.data)} is not valid here (expected ${describePattern(path)})` };
    default:
      return { path, message: error.message ?? 'invalid' };
  }
}

function describePattern(path: string): string {
  if (/\.style$/.test(path)) return 'a built-in table style: TableStyleLight1…21, TableStyleMedium1…28, TableStyleDark1…11';
  if (/\.when$/.test(path)) return 'a comparison such as "< 0", "between 1 and 10" or "contains TEXT"';
  if (/(color|fill|tabColor|\])$/.test(path)) return 'a colour as #RRGGBB';
  if (/\.name$/.test(path)) return 'a sheet name without []:*?/\\';
  return 'a different form';
}

/**
 * The most telling error: the deepest path (the branch of a `oneOf` that got furthest), then the most specific
 * keyword over the generic `oneOf`/`type` ones.
 */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  const rank = (error: ErrorObject): number => (error.keyword === 'oneOf' ? 0 : error.keyword === 'type' ? 1 : 2);
  return [...errors].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length || rank(b) - rank(a))[0] as ErrorObject;
}

/** The first problem of `definition` as `path: why`, or undefined when it is valid. */
export function schemaProblem(definition: unknown): string | undefined {
  const validate = validator();
  if (validate(definition)) return undefined;
  const { path, message } = describe(mostSpecific(validate.errors ?? []));
  return `${path === '' ? '(the definition)' : path}: ${message}`;
}
