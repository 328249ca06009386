import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeAttr, escapeText, needsPreserve } from '../../src/xlsx/xml.js';
import { decodeExcelEscapes } from '../helpers/exceljs-read.js';

/** What an XML parser followed by Excel's `_xHHHH_` decoding gives back. */
function readBack(escaped: string): string {
  const xml = escaped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return decodeExcelEscapes(xml);
}

test('text that needs no escaping is returned as the same string', () => {
  const plain = 'Plain text, 123 — ünïcødé 😀';
  assert.equal(escapeText(plain), plain);
});

test('XML specials, controls, CR and U+FFFE/U+FFFF are escaped the way Excel writes them', () => {
  assert.equal(escapeText('a & b < c > d'), 'a &amp; b &lt; c &gt; d');
  assert.equal(escapeText('x\u0000y\u0001z\u001F'), 'x_x0000_y_x0001_z_x001F_');
  assert.equal(escapeText('line1\r\nline2'), 'line1_x000D_\nline2');
  assert.equal(escapeText('tab\tand\nnewline'), 'tab\tand\nnewline');
  assert.equal(escapeText('\uFFFE\uFFFF'), '_xFFFE__xFFFF_');
});

test('every underscore that starts a literal _xHHHH_ is escaped, overlapping ones included', () => {
  assert.equal(escapeText('_x0041_'), '_x005F_x0041_');
  assert.equal(escapeText('_x0041_x0042_'), '_x005F_x0041_x005F_x0042_');
  // The CR's own escape would close the pattern (found by the property test below, seed 557650654).
  assert.equal(escapeText('_x1F44\r'), '_x005F_x1F44_x000D_');
  assert.equal(readBack(escapeText('_x1F44\r')), '_x1F44\r');
  assert.equal(escapeText('_x1F44\u0001'), '_x005F_x1F44_x0001_');
  assert.equal(escapeText('_xabcd_ _XABCD_ _x12_'), '_x005F_xabcd_ _XABCD_ _x12_');
  assert.equal(readBack(escapeText('_x005F_x0041_')), '_x005F_x0041_');
});

test('lone surrogates become U+FFFD, pairs are kept', () => {
  assert.equal(escapeText('a\uD800b'), 'a\uFFFDb');
  assert.equal(escapeText('\uDC00'), '\uFFFD');
  assert.equal(escapeText('😀'), '😀');
});

test('attributes escape quotes and keep whitespace as references', () => {
  assert.equal(escapeAttr('say "hi" & <go>'), 'say &quot;hi&quot; &amp; &lt;go&gt;');
  assert.equal(escapeAttr('a\tb\nc'), 'a&#9;b&#10;c');
});

test('xml:space="preserve" is asked for exactly when text starts or ends with white space', () => {
  assert.equal(needsPreserve(' a'), true);
  assert.equal(needsPreserve('a\n'), true);
  assert.equal(needsPreserve('a b'), false);
});

test('property: any well-formed string reads back unchanged after escaping', () => {
  const interesting = fc.oneof(
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom('_', 'x', '0', '0', '4', '1', 'F', 'a', '&', '<', '\r', '\u0001', ' ') }),
    fc.string({ unit: 'binary' }),
  );
  fc.assert(
    fc.property(interesting, (text) => {
      const wellFormed = text.toWellFormed();
      assert.equal(readBack(escapeText(text)), wellFormed);
    }),
    { numRuns: 3000, interruptAfterTimeLimit: 10_000 },
  );
});
