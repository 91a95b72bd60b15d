#!/usr/bin/env bash
# The whole test suite, as CI runs it: every phase runs even after a failure so one run
# shows everything that is broken; the exit code is non-zero if any phase failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export TESSKIT_CACHE_DIR=${TESSKIT_CACHE_DIR:-$PWD/.cache}
mkdir -p "$TESSKIT_CACHE_DIR"; : > "$TESSKIT_CACHE_DIR/phases.tsv"

phases=(bootstrap-dev lint test-trainer test-molecule test-infra test-demo test-cloud test-vm
  test-molecule-vagrant)
# The VM phases boot emulated guests (10-15 min each here). CI is stopped after
# TESSKIT_CI_MINUTES; a VM phase that cannot finish in what is left is skipped, loudly,
# instead of taking every result down with a timeout (a fresh machine also compiles
# Tesseract once, 7-28 min depending on load).
ci_minutes=${TESSKIT_CI_MINUTES:-90}
vm_phase_minutes=${TESSKIT_VM_PHASE_MINUTES:-20}
[[ -n "${TESSKIT_SKIP_PHASES:-}" ]] && echo "skipping phases: $TESSKIT_SKIP_PHASES"
passed=0; failed=0; skipped=0
for phase in "${phases[@]}"; do
  [[ " ${TESSKIT_SKIP_PHASES:-} " == *" $phase "* ]] && continue
  left=$((ci_minutes - SECONDS / 60))
  if [[ $phase == test-vm || $phase == test-molecule-vagrant ]] && ((left < vm_phase_minutes)); then
    echo "=== SKIPPED phase $phase: $left min left of $ci_minutes, it needs about $vm_phase_minutes"
    skipped=$((skipped + 1))
    continue
  fi
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
echo "phases: $passed passed, $failed failed, $skipped skipped for time"
((failed == 0))
