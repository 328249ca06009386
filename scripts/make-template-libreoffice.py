#!/usr/bin/python3
"""Builds a template workbook in LibreOffice itself, through UNO, and stores it as .xlsx (Calc MS Excel 2007 XML),
so the template tests also fill what LibreOffice's own xlsx writer produces:

  Data     a header (id, region, sold_on, quantity, amount) and six sample rows formatted per column, registered as
           the database range "Sales" with an autofilter (LibreOffice exports a named database range as an Excel
           table part, xl/tables/table1.xml)
  Pivot    a DataPilot (pivot table) over Data: sum of amount and of quantity by region; below it, a line chart of
           the amount column (one printed page shows both)
  Summary  formulas over the data ranges (COUNT, SUM, MAX, a named range SalesAmount)

    /usr/bin/python3 scripts/make-template-libreoffice.py OUT.xlsx

Needs Debian's python3-uno (scripts/test-prerequisites.sh installs it) and soffice. The tests run it into a temp
folder: LibreOffice stamps the file with the time it was saved (docProps/core.xml, ZIP entry times), so the output is
not byte-deterministic, and running it tests the xlsx that the LibreOffice on the machine writes today.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.awt import Rectangle
from com.sun.star.table import CellAddress, CellRangeAddress
from com.sun.star.sheet.DataPilotFieldOrientation import ROW, DATA
from com.sun.star.sheet.GeneralFunction import SUM

HEADER = ['id', 'region', 'sold_on', 'quantity', 'amount']
# Sample rows: what a finance team leaves in the template; the fill replaces them. Dates as Calc serials (1899-12-30).
SAMPLES = [
    [1, 'North', 43831, 3, 12.5],
    [2, 'South', 43832, 4, 20.25],
    [3, 'East', 43833, 5, 7.75],
    [4, 'North', 43834, 1, 30.0],
    [5, 'South', 43835, 2, 11.0],
    [6, 'East', 43836, 6, 9.5],
]
LAST_ROW = len(SAMPLES) + 1  # 1-based: the header is row 1


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(profile, pipe):
    """Starts a headless soffice with its own profile (a running one would take the job) and connects over a pipe."""
    office = subprocess.Popen(
        ['soffice', '--headless', '--invisible', '--norestore', '--nologo', f'-env:UserInstallation=file://{profile}',
         f'--accept=pipe,name={pipe};urp;StarOffice.ComponentContext'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext('com.sun.star.bridge.UnoUrlResolver', local)
    deadline = time.time() + 120
    while True:
        try:
            ctx = resolver.resolve(f'uno:pipe,name={pipe};urp;StarOffice.ComponentContext')
            break
        except Exception:
            if time.time() > deadline or office.poll() is not None:
                office.kill()
                raise
            time.sleep(0.25)
    desktop = ctx.ServiceManager.createInstanceWithContext('com.sun.star.frame.Desktop', ctx)
    return office, desktop


def build(doc):
    sheets = doc.Sheets
    sheets.getByIndex(0).Name = 'Data'
    sheets.insertNewByName('Pivot', 1)
    sheets.insertNewByName('Summary', 2)
    data = sheets.getByName('Data')

    for c, name in enumerate(HEADER):
        cell = data.getCellByPosition(c, 0)
        cell.String = name
        cell.CharWeight = 150.0  # com.sun.star.awt.FontWeight.BOLD
    for r, row in enumerate(SAMPLES, start=1):
        for c, value in enumerate(row):
            cell = data.getCellByPosition(c, r)
            if isinstance(value, str):
                cell.String = value
            else:
                cell.Value = value
    formats = doc.NumberFormats
    locale = uno.createUnoStruct('com.sun.star.lang.Locale')

    def number_format(code):
        key = formats.queryKey(code, locale, False)
        return key if key != -1 else formats.addNew(code, locale)

    data.getCellRangeByName(f'C2:C{LAST_ROW}').NumberFormat = number_format('YYYY-MM-DD')
    data.getCellRangeByName(f'E2:E{LAST_ROW}').NumberFormat = number_format('#,##0.00')

    whole = CellRangeAddress(Sheet=0, StartColumn=0, StartRow=0, EndColumn=len(HEADER) - 1, EndRow=LAST_ROW - 1)
    doc.DatabaseRanges.addNewByName('Sales', whole)
    doc.DatabaseRanges.getByName('Sales').AutoFilter = True

    pivot = sheets.getByName('Pivot')
    descriptor = pivot.DataPilotTables.createDataPilotDescriptor()
    descriptor.SourceRange = whole
    fields = descriptor.DataPilotFields
    fields.getByIndex(1).Orientation = ROW  # region
    for index in (4, 3):  # amount, quantity
        field = fields.getByIndex(index)
        field.Orientation = DATA
        field.Function = SUM
    pivot.DataPilotTables.insertNewByName('SalesByRegion', CellAddress(Sheet=1, Column=0, Row=0), descriptor)
    # Wide enough for the sums of 100,000 rows (a narrow column prints `###` in the PDF the tests read).
    for index, width in ((0, 4500), (1, 4500), (2, 4000)):
        pivot.Columns.getByIndex(index).Width = width  # 1/100 mm

    doc.NamedRanges.addNewByName('SalesAmount', f'$Data.$E$2:$E${LAST_ROW}', CellAddress(Sheet=0, Column=0, Row=0), 0)
    summary = sheets.getByName('Summary')
    lines = [
        ('Rows', f'=COUNT($Data.$A$2:$A${LAST_ROW})'),
        ('Total amount', f'=SUM($Data.$E$2:$E${LAST_ROW})'),
        ('Total quantity', f'=SUM($Data.$D$2:$D${LAST_ROW})'),
        ('Amount (named range)', '=SUM(SalesAmount)'),
        ('Largest amount', f'=MAX($Data.$E$2:$E${LAST_ROW})'),
    ]
    for r, (label, formula) in enumerate(lines):
        summary.getCellByPosition(0, r).String = label
        summary.getCellByPosition(1, r).Formula = formula

    summary.Columns.getByIndex(0).Width = 5000
    summary.Columns.getByIndex(1).Width = 4000

    amounts = CellRangeAddress(Sheet=0, StartColumn=4, StartRow=0, EndColumn=4, EndRow=LAST_ROW - 1)
    pivot.Charts.addNewByName('Amounts', Rectangle(X=0, Y=8000, Width=16000, Height=9000), (amounts,), True, False)
    chart = pivot.Charts.getByName('Amounts').EmbeddedObject
    chart.Diagram = chart.createInstance('com.sun.star.chart.LineDiagram')
    chart.HasMainTitle = True
    chart.Title.String = 'Amount per sale'


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: make-template-libreoffice.py OUT.xlsx')
    out = os.path.abspath(sys.argv[1])
    profile = tempfile.mkdtemp(prefix='sheetpipe-lo-')
    office, desktop = connect(profile, f'sheetpipe_tmpl_{os.getpid()}')
    try:
        doc = desktop.loadComponentFromURL('private:factory/scalc', '_blank', 0, (prop('Hidden', True),))
        build(doc)
        doc.calculateAll()
        doc.storeToURL(uno.systemPathToFileUrl(out), (prop('FilterName', 'Calc MS Excel 2007 XML'),))
        doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes down with the office: terminate() may not return cleanly
        try:
            office.wait(60)
        except subprocess.TimeoutExpired:
            office.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    main()
