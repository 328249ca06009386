#!/usr/bin/python3
"""Builds the template workbooks the template tests fill (test/fixtures/template/), the way a finance team's
workbook looks: a styled cover sheet, a data sheet with a title, a styled header and an Excel table with two sample
rows formatted per column, a summary sheet with formulas over the table (structured and whole-range references),
defined names (a named range and a print area over the table), a bar chart over the amount column, a conditional
format and a data validation over table columns.

Variants for the refusal tests differ from it in one thing each. The committed files are what the tests read;
run this only to change them:  /usr/bin/python3 scripts/make-template-fixture.py
"""
import datetime
import os
import sys

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'template')
FIXED = datetime.datetime(2020, 1, 1)


def new_workbook(first_sheet):
    wb = Workbook()
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.active.title = first_sheet
    return wb, wb.active


def base(totals=False):
    wb, cover = new_workbook('Cover')
    cover['A1'] = 'Monthly sales report'
    cover['A1'].font = Font(size=20, bold=True, color='1F4E79')
    cover['A3'] = 'Prepared by Finance'
    cover['A3'].alignment = Alignment(horizontal='left')

    data = wb.create_sheet('Data')
    data['A1'] = 'Sales data'
    data['A1'].font = Font(size=14, bold=True)
    header = ['id', 'region', 'sold_on', 'quantity', 'amount']
    fill = PatternFill('solid', fgColor='DDEBF7')
    for i, name in enumerate(header, start=1):
        cell = data.cell(row=3, column=i, value=name)
        cell.font = Font(bold=True)
        cell.fill = fill
    samples = [[1, 'North', datetime.date(2020, 1, 1), 3, 12.5], [2, 'South', datetime.date(2020, 1, 2), 4, 20.25]]
    for r, row in enumerate(samples, start=4):
        for c, value in enumerate(row, start=1):
            data.cell(row=r, column=c, value=value)
        data.cell(row=r, column=3).number_format = 'yyyy-mm-dd'
        data.cell(row=r, column=4).number_format = '#,##0'
        data.cell(row=r, column=5).number_format = '#,##0.00'
        data.cell(row=r, column=2).font = Font(italic=True)
    last = 5
    if totals:
        data.cell(row=6, column=1, value='Total')
        data.cell(row=6, column=5, value='=SUBTOTAL(109,Sales[amount])')
        last = 6
    table = Table(displayName='Sales', ref=f'A3:E{last}', totalsRowCount=1 if totals else None)
    if totals:
        # openpyxl would name the columns Column1…; the names must match the header cells.
        table.tableColumns = [TableColumn(id=i, name=name) for i, name in enumerate(header, start=1)]
        table.tableColumns[0].totalsRowLabel = 'Total'
        table.tableColumns[4].totalsRowFunction = 'sum'
        table.autoFilter = AutoFilter(ref='A3:E5')
    table.tableStyleInfo = TableStyleInfo(name='TableStyleMedium2', showRowStripes=True)
    data.add_table(table)
    data.column_dimensions['C'].width = 12
    # Highlighted big amounts and a validated quantity: both cover the sample rows and must grow with the data.
    data.conditional_formatting.add('E4:E5', CellIsRule(operator='greaterThan', formula=['200'], fill=PatternFill('solid', fgColor='FFC7CE')))
    validation = DataValidation(type='whole', operator='greaterThanOrEqual', formula1='0')
    data.add_data_validation(validation)
    validation.add('D4:D5')

    summary = wb.create_sheet('Summary')
    summary['A1'] = 'Rows'
    summary['B1'] = '=ROWS(Sales[id])'
    summary['A2'] = 'Total amount'
    summary['B2'] = '=SUM(Sales[amount])'
    summary['A3'] = 'Total quantity (range)'
    summary['B3'] = '=SUM(Data!$D$4:$D$5)'
    summary['A4'] = 'Amount (named range)'
    summary['B4'] = '=SUM(INDEX(SalesBlock,0,5))'
    chart = BarChart()
    chart.title = 'Amount'
    chart.add_data(Reference(data, min_col=5, min_row=3, max_row=5), titles_from_data=True)
    summary.add_chart(chart, 'D2')

    wb.defined_names.append(DefinedName('SalesBlock', attr_text='Data!$A$3:$E$5'))
    data.print_area = 'A1:E5'
    return wb, data


def main():
    os.makedirs(OUT, exist_ok=True)
    wb, _ = base()
    wb.save(os.path.join(OUT, 'template.xlsx'))

    wb, _ = base(totals=True)
    wb.save(os.path.join(OUT, 'totals.xlsx'))

    wb, data = base()
    data.merge_cells('D4:E4')
    wb.save(os.path.join(OUT, 'merged.xlsx'))

    wb, data = base()
    # openpyxl 3.0 (Debian 12) writes an array formula from formula_attributes.
    data['G4'] = '=D4:D5*E4:E5'
    data.formula_attributes['G4'] = {'t': 'array', 'ref': 'G4:G5'}
    wb.save(os.path.join(OUT, 'array-formula.xlsx'))

    wb, data = base()
    data['G1'] = '=SUM(E4:E5)'
    wb.save(os.path.join(OUT, 'formula-above.xlsx'))

    wb, data = base()
    data['A9'] = 'Notes below the table'
    wb.save(os.path.join(OUT, 'below.xlsx'))

    # Notes beside the data rows: the first data rows are merged with these cells.
    wb, data = base()
    data['G4'] = 'checked'
    data['G5'] = 'by audit'
    wb.save(os.path.join(OUT, 'side.xlsx'))

    # A plain sheet target: title, header in row 2, a styled first data row in row 3 from column B.
    wb, sheet = new_workbook('Export')
    sheet['B1'] = 'Export'
    sheet['B1'].font = Font(bold=True, size=14)
    for i, name in enumerate(['id', 'region', 'sold_on', 'quantity', 'amount'], start=2):
        sheet.cell(row=2, column=i, value=name).font = Font(bold=True)
    sheet.cell(row=3, column=4).number_format = 'yyyy-mm-dd'
    sheet.cell(row=3, column=6).number_format = '#,##0.00'
    sheet.auto_filter.ref = 'B2:F3'
    other = wb.create_sheet('Notes')
    other['A1'] = 'Untouched'
    wb.save(os.path.join(OUT, 'sheet.xlsx'))
    print('wrote', sorted(os.listdir(OUT)), file=sys.stderr)


if __name__ == '__main__':
    main()
