/** Which source a URL opens, told from its scheme alone (no driver is loaded), for checks made before opening it. */

export type SourceKind = 'sqlite' | 'postgres' | 'mysql' | 'csv';

/** The kind of source a URL opens (its SQL dialect, or `csv`), without opening it; undefined for an unknown scheme. */
export function sourceKindOf(url: string): SourceKind | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
    case 'csv':
      return scheme;
    case 'postgres':
    case 'postgresql':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    default:
      return undefined;
  }
}
