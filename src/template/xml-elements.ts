import { SaxesParser } from 'saxes';
import { SheetpipeError } from '../errors.js';

/** Where one element sits in a part's text, so the part can be edited by splicing and stay byte-identical elsewhere. */
export interface XmlElement {
  /** Local name (prefix dropped: `c:f` → `f`). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Offset of its `<`. */
  readonly start: number;
  /** Offset just past its start tag's `>`. */
  readonly openEnd: number;
  /** Offset just past its end tag (or of the start tag, when self-closing). */
  readonly end: number;
  /** Names of the enclosing elements, outermost first. */
  readonly path: readonly string[];
}

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/**
 * Parses `xml` with saxes (well-formedness checked) and returns the elements `wanted` selects, with their offsets.
 * saxes reports positions in UTF-16 code units of the text it was given; each start is checked against the text.
 * Throws SHEETPIPE_ERR_TEMPLATE_CORRUPT naming `part` for anything that is not well-formed XML.
 */
export function scanElements(xml: string, part: string, wanted: (name: string, path: readonly string[]) => boolean): XmlElement[] {
  const parser = new SaxesParser({ position: true });
  const found: XmlElement[] = [];
  const stack: { name: string; attributes: Record<string, string>; start: number; openEnd: number; keep: boolean }[] = [];
  let tagStart = 0;
  parser.on('opentagstart', () => {
    tagStart = xml.lastIndexOf('<', parser.position - 1);
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    const path = stack.map((open) => open.name);
    if (!xml.startsWith(`<${tag.name}`, tagStart)) throw corrupt(part, 'unexpected offsets');
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(tag.attributes)) attributes[key] = typeof value === 'string' ? value : value.value;
    stack.push({ name, attributes, start: tagStart, openEnd: parser.position, keep: wanted(name, path) });
  });
  parser.on('closetag', () => {
    const open = stack.pop();
    if (open?.keep) {
      found.push({ name: open.name, attributes: open.attributes, start: open.start, openEnd: open.openEnd, end: parser.position, path: stack.map((o) => o.name) });
    }
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof SheetpipeError) throw error;
    throw corrupt(part, error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error));
  }
  return found.sort((a, b) => a.start - b.start);
}

export function corrupt(part: string, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_TEMPLATE_CORRUPT', [part, why]);
}

/** Replaces (or adds) attribute `name` in the start tag at `element`, returning the new start tag text. */
export function withAttribute(xml: string, element: XmlElement, name: string, value: string): string {
  const tag = xml.slice(element.start, element.openEnd);
  const pattern = new RegExp(`(\\s${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=\\s*)("[^"]*"|'[^']*')`);
  if (pattern.test(tag)) return tag.replace(pattern, `$1"${value}"`);
  const close = tag.endsWith('/>') ? tag.length - 2 : tag.length - 1;
  return `${tag.slice(0, close)} ${name}="${value}"${tag.slice(close)}`;
}

/** Applies non-overlapping edits (offset ranges replaced by text) to `xml`. */
export function splice(xml: string, edits: readonly { start: number; end: number; text: string }[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    out += xml.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + xml.slice(at);
}
