export const REPORT_HELP = `Usage: sheetpipe export --report <FILE.yaml|FILE.json> --source <SOURCE> --out <FILE.xlsx> [--param NAME=VALUE]…

  --report <FILE>       report definition (YAML or JSON; schema: schema/report.schema.json in the package):
                        several sheets from several queries, read in one snapshot, presented per column
  --source <SOURCE>     sqlite:<path> | postgres://… | mysql://… | mariadb://… (as for a plain export)
  --source-name <NAME>  the source's name on the About sheet (default: its kind; never its URL)
  --out <FILE.xlsx>     the workbook (temp file, renamed when complete)
  --param <NAME=VALUE>  a parameter the report declares, repeatable; typed by the report's params
  --threads <N>         worker threads for the xlsx engine
  --tz <ZONE>           IANA zone for timestamp-with-time-zone values and the About sheet's time
  --timeout <SECONDS>   cancel after this long (exit 1, no file left)
  --deterministic       fixed timestamps: equal data gives a byte-identical file
  --no-progress         no line per sheet (the summary line is still printed)
  -h, --help            this text

See docs/reports.md.
`;
