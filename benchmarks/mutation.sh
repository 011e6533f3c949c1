#!/usr/bin/env bash
# The proofs' strength on a fixed-seed sample: `refine mutate --sample 60 --seed 1` over
# concrete/riscv and abstract/canonical, written to benchmarks/mutation.{json,md} (score, every
# mutant, the survivors' diffs, the wall time). About 20 to 40 minutes on 2 cores with a warm
# cache; each surviving mutant costs a full proof of what it reaches.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/refine prove >/dev/null  # warm the cache: unchanged obligations are then served from it
.venv/bin/refine mutate --sample "${SAMPLE:-60}" --seed "${SEED:-1}" \
    --json benchmarks/mutation.json --markdown benchmarks/mutation.md
