#!/usr/bin/env bash
# Set up and run the whole test suite (contracts on, typeguard instrumenting abstract, concrete
# and refinement), including the full proof at the default sizes and the seeded faults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/python -m pytest "$@"
