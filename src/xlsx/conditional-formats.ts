/**
 * `<conditionalFormatting>` for a column's data cells: cell-value rules, text contains, top/bottom N, colour
 * scales and data bars, in the classic (2006) form every reader knows; rule looks are `dxf`s in styles.xml.
 * Rules are parsed once per sheet; only the range (`C2:C1001`) is filled in when a part ends.
 */
import { SheetpipeError } from '../errors.js';
import { argb } from './cell-look.js';
import type { StyleRegistry } from './styles.js';
import type { Color, ConditionalRule, RuleLook } from './types.js';
import { escapeAttr, escapeText } from './xml.js';

const OPERATORS: Readonly<Record<string, string>> = {
  '<': 'lessThan',
  '<=': 'lessThanOrEqual',
  '>': 'greaterThan',
  '>=': 'greaterThanOrEqual',
  '=': 'equal',
  '==': 'equal',
  '<>': 'notEqual',
  '!=': 'notEqual',
};
const NUMBER = '(-?\\d+(?:\\.\\d+)?)';
const COMPARE = new RegExp(`^\\s*(<=|>=|<>|!=|==|<|>|=)\\s*${NUMBER}\\s*$`);
const BETWEEN = new RegExp(`^\\s*between\\s+${NUMBER}\\s+and\\s+${NUMBER}\\s*$`, 'i');
const CONTAINS = /^\s*contains\s+(.+?)\s*$/i;

/** Whether a rule compares numbers (refused on text columns by the report validator). */
export function ruleNeedsNumbers(rule: ConditionalRule): boolean {
  if ('when' in rule) return !CONTAINS.test(rule.when);
  return true;
}

/** A rule resolved once: everything but the range and priority. */
export type ResolvedRule = (range: string, firstCell: string, priority: number) => string;

function bad(option: string, why: string): SheetpipeError {
  return new SheetpipeError('SHEETPIPE_ERR_XLSX_BAD_OPTION', [option, why]);
}

function dxfOf(look: RuleLook, styles: StyleRegistry, option: string): number {
  if (look.font === undefined && look.fill === undefined) throw bad(option, 'a rule needs a font or a fill to show its matches');
  return styles.registerDxf(look);
}

function formulaText(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Parses `rule` (option names it in errors) and registers its dxf. */
export function resolveRule(rule: ConditionalRule, styles: StyleRegistry, option: string): ResolvedRule {
  if ('colorScale' in rule) {
    const colors = rule.colorScale.map((color) => argb(color, `${option}.colorScale`));
    if (colors.length !== 2 && colors.length !== 3) throw bad(`${option}.colorScale`, 'give two or three colours');
    const cfvo = colors.length === 2 ? '<cfvo type="min"/><cfvo type="max"/>' : '<cfvo type="min"/><cfvo type="percentile" val="50"/><cfvo type="max"/>';
    const body = `<colorScale>${cfvo}${colors.map((rgb) => `<color rgb="${rgb}"/>`).join('')}</colorScale>`;
    return (_range, _first, priority) => `<cfRule type="colorScale" priority="${priority}">${body}</cfRule>`;
  }
  const dxfId = dxfOf(rule, styles, option);
  if ('top' in rule || 'bottom' in rule) {
    const bottom = 'bottom' in rule;
    const rank = bottom ? rule.bottom : rule.top;
    if (!Number.isInteger(rank) || rank < 1 || rank > 1000) throw bad(option, `top/bottom needs a whole number from 1 to 1000, got ${rank}`);
    const flags = `${rule.percent === true ? ' percent="1"' : ''}${bottom ? ' bottom="1"' : ''}`;
    return (_range, _first, priority) => `<cfRule type="top10" dxfId="${dxfId}" priority="${priority}"${flags} rank="${rank}"/>`;
  }
  const compare = COMPARE.exec(rule.when);
  if (compare) {
    const operator = OPERATORS[compare[1] as string] as string;
    return (_range, _first, priority) => `<cfRule type="cellIs" dxfId="${dxfId}" priority="${priority}" operator="${operator}"><formula>${compare[2]}</formula></cfRule>`;
  }
  const between = BETWEEN.exec(rule.when);
  if (between) {
    return (_range, _first, priority) =>
      `<cfRule type="cellIs" dxfId="${dxfId}" priority="${priority}" operator="between"><formula>${between[1]}</formula><formula>${between[2]}</formula></cfRule>`;
  }
  const contains = CONTAINS.exec(rule.when);
  if (contains) {
    const text = contains[1] as string;
    return (_range, first, priority) =>
      `<cfRule type="containsText" dxfId="${dxfId}" priority="${priority}" operator="containsText" text="${escapeAttr(text)}">` +
      `<formula>${escapeText(`NOT(ISERROR(SEARCH(${formulaText(text)},${first})))`)}</formula></cfRule>`;
  }
  throw bad(`${option}.when`, `${JSON.stringify(rule.when)} is not a comparison (< 0, >= 10, <> 0), "between A and B" or "contains TEXT"`);
}

/** A data bar from the column's lowest to its highest value. */
export function resolveDataBar(color: Color, option: string): ResolvedRule {
  const rgb = argb(color, `${option}.color`);
  return (_range, _first, priority) =>
    `<cfRule type="dataBar" priority="${priority}"><dataBar><cfvo type="min"/><cfvo type="max"/><color rgb="${rgb}"/></dataBar></cfRule>`;
}

/** One `<conditionalFormatting>` per column with rules; priorities count up across the sheet as Excel requires. */
export function conditionalFormattingXml(columns: readonly { range: string; firstCell: string; rules: readonly ResolvedRule[] }[]): string {
  let priority = 0;
  return columns
    .filter((column) => column.rules.length > 0)
    .map((column) => `<conditionalFormatting sqref="${column.range}">${column.rules.map((rule) => rule(column.range, column.firstCell, ++priority)).join('')}</conditionalFormatting>`)
    .join('');
}
