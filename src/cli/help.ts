/** Help texts; the README's CLI section carries the same reference in long form. */

export const MAIN_HELP = `sheetpipe — stream database rows into a genuine .xlsx, as fast as a CSV dump

Usage:
  sheetpipe export --source <SOURCE> (--query <SQL> | --table <NAME>) --out <FILE.xlsx|FILE.csv|->
                   [options]         export a query or a table
  sheetpipe demo [--rows <N>] [--out <FILE>]
                                     build a demo SQLite database of orders and export it
  sheetpipe serve --config <FILE> [--port <N>] [--host <H>] [--with-worker]
                                     run the HTTP export service
  sheetpipe reload (--url <URL> [--token-env <NAME>] | --pid <PID>)
                                     make a running service re-read its config file (as SIGHUP does)
  sheetpipe worker --config <FILE>   run export workers for the distributed (Redis) queue
  sheetpipe check --config <FILE>    connect to every configured source, print its version, and warn
                                     when its account can do more than read (exit 1 on warnings)
  sheetpipe jobs list|show <ID>|schedules [--url <URL>] [options]
                                     list a service's jobs and schedules through its API
                                     (token in $SHEETPIPE_TOKEN; see sheetpipe jobs --help)
  sheetpipe latency-report <FILE> [--json]
                                     percentiles and spike causes from a flushed latency log
  sheetpipe --help | sheetpipe <command> --help | sheetpipe --version

Sources: sqlite:<path>  postgres://user@host/db  mysql://user@host/db  mariadb://…  csv:<path>

Exit codes: 0 success, 1 runtime failure (database, output, timeout, signal), 2 usage error,
141 the reader of --out - closed the pipe early.
`;

export const EXPORT_HELP = `Usage: sheetpipe export --source <SOURCE> (--query <SQL> | --table <NAME>) --out <FILE.xlsx|FILE.csv|->

  --source <SOURCE>     sqlite:<path> | postgres://… | postgresql://… | mysql://… | mariadb://… |
                        csv:<path>[?delimiter=;|tab][&types=…] (needs no --query or --table)
  --query <SQL>         the query to export; :name placeholders are bound from --param
  --table <NAME>        export a whole table (select * from NAME); the sheet is named after it
  --out <FILE|->        .xlsx or .csv file (written to a temp file, renamed when complete);
                        - writes to standard output (xlsx unless --format csv)
  --format xlsx|csv     overrides the format implied by --out
  --sheet <NAME>        sheet name (default: the table name, else Sheet1)
  --template <FILE>     stream the rows into a copy of this .xlsx/.xlsm workbook (docs/templates.md)
  --into <TARGET>       where, with --template: table:NAME (an Excel table) or sheet:NAME!CELL
                        (the first data row's top-left cell); unsafe templates are refused
  --threads <N>         worker threads for the xlsx engine, 1–64 (default: all cores, at most 16)
  --tz <ZONE>           IANA zone in which timestamp-with-time-zone values are shown (default UTC)
  --param <NAME=VALUE>  binds :NAME in the query, repeatable; values are passed as text;
                        a --param the query does not use is an error
  --timeout <SECONDS>   cancel the export after this long (exit 1, no file left)
  --deterministic       fixed timestamps: equal data gives a byte-identical file
  --csv-raw             CSV text exactly as stored: cells starting with = + - @ TAB CR are not
                        neutralised with a leading ' (for machine consumers, not spreadsheets)
  --no-progress         no progress output (the final summary line is still printed)
  --verbose             error details: code, causes and stack trace
  -h, --help            this text

Progress and the summary go to stderr; with --out - nothing but the file goes to stdout.
Several sheets from a report file: sheetpipe export --report FILE.yaml … (sheetpipe export --report x --help).
`;

export const DEMO_HELP = `Usage: sheetpipe demo [--rows <N>] [--out <FILE>] [--db <FILE>]

Builds a SQLite database of realistic orders (ids, customers, amounts, currencies, timestamps,
statuses, free-text notes), then exports its orders table and prints where the file is and
the throughput. The database is kept and reused while the row count stays the same.

  --rows <N>     orders to generate (default 1,000,000, at most 10,000,000; past 1,048,575
                 rows the export continues on further sheets)
  --out <FILE>   where the export goes (default ./demo-orders.xlsx; a .csv name writes CSV)
  --db <FILE>    where the demo database is kept (default <tmpdir>/sheetpipe-demo/orders.db)
  --no-progress  no progress output
  --verbose      error details
  -h, --help     this text
`;
