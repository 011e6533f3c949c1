#!/usr/bin/env bash
# Set up, prove every obligation at the default sizes and write the reports.
# Extra arguments go to `refine prove` (e.g. --jobs 1, --c-pages 13, --only '*share*').
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/refine prove --json docs/proof-report.json --markdown docs/proof-report.md \
  --html docs/proof-report.html "$@"
