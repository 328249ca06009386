#!/usr/bin/env bash
# What the test suite needs beyond npm: the real xlsx readers (Debian packages) and the database servers on
# loopback. Runs before `npm test` (the `pretest` script), so the README's `npm install && npm test` works on a
# fresh machine of this kind; installs only what is missing and starts only what is down.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need=()
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
command -v ssconvert >/dev/null || need+=(gnumeric)
command -v xlsx2csv >/dev/null || need+=(xlsx2csv)
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || need+=(python3-openpyxl)
/usr/bin/python3 -c 'import lxml' 2>/dev/null || need+=(python3-lxml) # xlsx-xsd validates every new XML part against the ECMA-376 schemas
/usr/bin/python3 -c 'import uno' 2>/dev/null || need+=(python3-uno) # scripts/make-template-libreoffice.py builds a template in LibreOffice through UNO
command -v pdftotext >/dev/null || need+=(poppler-utils) # reads what LibreOffice renders (`#####` for a column too narrow)
[ -x /usr/bin/chromium ] || need+=(chromium) # the web console's end-to-end tests (playwright-core drives it)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${need[*]} (install them as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "installing the xlsx readers the tests compare against: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

bash scripts/start-services.sh
