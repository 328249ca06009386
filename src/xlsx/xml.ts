/**
 * XML escaping for SpreadsheetML text, with Excel's own `_xHHHH_` rules:
 *
 * - `&`, `<`, `>` become entities (`>` too, so `]]>` can never appear).
 * - Characters XML 1.0 forbids (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF) cannot be written
 *   even as character references, so OOXML (ECMA-376 §22.9.2.19 ST_Xstring) escapes them as `_xHHHH_`.
 * - CR is legal XML but parsers normalise a raw CR to LF, so it is written `_x000D_` as Excel does.
 * - A literal `_xHHHH_` in the data (hex in either case) would be decoded by readers, so its leading `_` is written
 *   `_x005F_` (the escape of `_` itself). Every `_` that starts such a pattern is escaped, overlapping ones included:
 *   `_x0041_x0042_` has two, and so is one whose pattern is closed by the next character's own escape (`_x1F44\r`).
 * - Lone surrogates cannot be encoded in UTF-8; they become U+FFFD.
 *
 * Every escaper returns its input unchanged (same string, no copy) when nothing needs escaping, which is the
 * common case: one regex test per cell.
 */

// Anything that needs work: XML specials, forbidden controls, CR, U+FFFE/U+FFFF, surrogates, and `_x` + 4 hex + `_`.
const NEEDS_TEXT_ESCAPE = /[&<>\u0000-\u0008\u000B-\u001F\uD800-\uDFFF\uFFFE\uFFFF]|_x[0-9A-Fa-f]{4}_/;
// A `_` is escaped when `x` + 4 hex follow and then `_` or a character that is itself escaped as `_xHHHH_`: in
// `_x1F44\r` the CR's escape supplies the closing `_`.
const TEXT_ESCAPES = /[&<>\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]|_(?=x[0-9A-Fa-f]{4}[_\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF])/g;
const NEEDS_ATTR_ESCAPE = /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ATTR_ESCAPES = /[&<>"\u0000-\u001F\uFFFE\uFFFF]/g;

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

function textReplacement(match: string): string {
  switch (match) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '_':
      return '_x005F_';
    default:
      return `_x${hex4(match.charCodeAt(0))}_`;
  }
}

function attrReplacement(match: string): string {
  switch (match) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '"':
      return '&quot;';
    case '\t':
      return '&#9;';
    case '\n':
      return '&#10;';
    case '\r':
      return '&#13;';
    default:
      // Forbidden in XML 1.0 even as references; attributes (sheet names, properties) have no `_x` escape.
      return '\uFFFD';
  }
}

/** Escapes cell or shared-string text for a `<t>` element. */
export function escapeText(text: string): string {
  if (!NEEDS_TEXT_ESCAPE.test(text)) return text;
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.replace(TEXT_ESCAPES, textReplacement);
}

/** Escapes an attribute value or plain element text outside cells (names, properties). */
export function escapeAttr(text: string): string {
  if (!NEEDS_ATTR_ESCAPE.test(text)) return text;
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.replace(ATTR_ESCAPES, attrReplacement);
}

/** True when a `<t>` element needs `xml:space="preserve"`: leading or trailing white space. */
export function needsPreserve(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return first <= 0x20 || last <= 0x20;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export const NS = {
  main: 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
  relationships: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  packageRelationships: 'http://schemas.openxmlformats.org/package/2006/relationships',
  contentTypes: 'http://schemas.openxmlformats.org/package/2006/content-types',
} as const;
