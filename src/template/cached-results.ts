/**
 * Removes the cached result (`<v>`) of every formula cell in a piece of worksheet XML. A template's cached results
 * were computed from the old data, and LibreOffice shows them as they are even when the workbook asks for a full
 * recalculation on load (measured: a LibreOffice-saved template kept its old sums); a formula cell without a result is
 * computed on open by Excel, LibreOffice and Gnumeric. The `<v>` of a formula cell follows its `<f>` directly.
 */
const CACHED_RESULT = /(<(?:\w+:)?f\b[^>]*\/>|<\/(?:\w+:)?f>)<(?:\w+:)?v>[^<]*<\/(?:\w+:)?v>/g;

export function dropCachedResults(xml: string): string {
  return xml.includes('<v') || xml.includes(':v>') ? xml.replace(CACHED_RESULT, '$1') : xml;
}
