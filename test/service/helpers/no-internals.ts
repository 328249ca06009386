/**
 * What no client-visible error may contain: a host name or address, a port, a user name, a
 * filesystem path or a URL. Used on every error body the service tests read (server.ts errorOf),
 * so each test that provokes an error also checks it leaks nothing.
 */
import assert from 'node:assert/strict';
import { hostname, tmpdir, userInfo } from 'node:os';

/** Names that are internals on the test machines: the databases' users and this host. */
const NAMES = ['postgres', 'root', 'redis', 'localhost', hostname(), userInfo().username].filter((name) => name.length > 2);

const PATTERNS: readonly [string, RegExp][] = [
  ['a URL', /[a-z][a-z0-9+.-]*:\/\//i],
  ['an IPv4 address', /\b\d{1,3}(\.\d{1,3}){3}\b/],
  ['an IPv6 address', /\[?::1\]?|\b[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3,7}\b/i],
  ['a port', /[a-z\]]:\d{2,5}\b/i],
  // Absolute paths other than the API's own routes (/v1/…), and Windows ones.
  ['a filesystem path', /(?<!(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS))(^|[\s"'(=])\/(?!v1\/)[\w.@-]+\/[\w.@-]/],
  ['a Windows path', /\b[a-z]:\\/i],
  ['the temp folder', new RegExp(tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
];

/** Every string inside `value` (a parsed JSON body), with its key path. */
function* strings(value: unknown, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, `${path}[${i}]`);
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) yield* strings(item, `${path}.${key}`);
}

/** Fails when any string of `body` shows an internal (see above). */
export function assertNoInternals(body: unknown, what = 'error body'): void {
  for (const [path, text] of strings(body)) {
    for (const [kind, pattern] of PATTERNS) assert.doesNotMatch(text, pattern, `${what}${path} shows ${kind}: ${text}`);
    for (const name of NAMES) {
      assert.doesNotMatch(text, new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i'), `${what}${path} shows the name ${name}: ${text}`);
    }
  }
}
