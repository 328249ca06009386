/**
 * PostgreSQL array literals (`{1,2,NULL}`, `{{"a b",c}}`, `[0:1]={x,y}`) -> JSON array text,
 * the cell an array column becomes. Elements keep their digits: a numeric element is copied
 * verbatim as a JSON number, never through a double.
 */
import type { Converter } from './convert.js';

/** How an element is written in JSON, from the element type's category. */
export type ArrayElement = 'number' | 'boolean' | 'json' | 'bytea' | 'string';

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function elementJson(token: string, quoted: boolean, element: ArrayElement): string {
  if (!quoted && token.length === 4 && token.toUpperCase() === 'NULL') return 'null';
  switch (element) {
    case 'number':
      return JSON_NUMBER.test(token) ? token : JSON.stringify(token); // NaN, Infinity stay visible as text
    case 'boolean':
      return token === 't' ? 'true' : token === 'f' ? 'false' : JSON.stringify(token);
    case 'json':
      return token;
    case 'bytea':
      return JSON.stringify(token.startsWith('\\x') ? token.slice(2) : token);
    default:
      return JSON.stringify(token);
  }
}

/** Converts one array literal; the delimiter is `,` (every type sheetpipe maps to arrays uses it). */
export function pgArrayToJson(text: string, element: ArrayElement): string {
  let i = 0;
  if (text.charCodeAt(0) === 91) i = text.indexOf('=') + 1; // `[lo:hi]=` bounds decoration
  const parts: string[] = [];
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '{') {
      parts.push('[');
      i++;
    } else if (c === '}') {
      parts.push(']');
      i++;
    } else if (c === ',') {
      parts.push(',');
      i++;
    } else if (c === ' ') {
      i++;
    } else if (c === '"') {
      let token = '';
      let start = ++i;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') {
          token += text.slice(start, i);
          start = ++i; // keep the escaped character
        }
        i++;
      }
      token += text.slice(start, i);
      i++;
      parts.push(elementJson(token, true, element));
    } else {
      const start = i;
      while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
      parts.push(elementJson(text.slice(start, i).trim(), false, element));
    }
  }
  return parts.join('');
}

export function pgArrayCell(element: ArrayElement): Converter {
  return (text: string) => pgArrayToJson(text, element);
}
