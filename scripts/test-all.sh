#!/usr/bin/env bash
# The whole test suite, as CI runs it: every phase runs even after a failure so one run
# shows everything that is broken; the exit code is non-zero if any phase failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export TESSKIT_CACHE_DIR=${TESSKIT_CACHE_DIR:-$PWD/.cache}
mkdir -p "$TESSKIT_CACHE_DIR"; : > "$TESSKIT_CACHE_DIR/phases.tsv"

phases=(bootstrap-dev lint test-trainer test-molecule test-infra test-demo test-cloud test-vm)
[[ -n "${TESSKIT_SKIP_PHASES:-}" ]] && echo "skipping phases: $TESSKIT_SKIP_PHASES"
passed=0; failed=0
for phase in "${phases[@]}"; do
  [[ " ${TESSKIT_SKIP_PHASES:-} " == *" $phase "* ]] && continue
  if scripts/phase.sh "$phase" make --no-print-directory "$phase"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    # Without the venv nothing after it can run.
    [[ $phase == bootstrap-dev ]] && break
  fi
done
printf '\nphase timings:\n'
python3 bench/ci_phases.py --cache "$TESSKIT_CACHE_DIR" | sed 's/^/  /'
echo "phases: $passed passed, $failed failed"
((failed == 0))
