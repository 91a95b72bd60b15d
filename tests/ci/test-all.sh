#!/usr/bin/env bash
# The whole test suite, as CI runs it: every phase runs even after a failure so one run
# shows everything that is broken; the exit code is non-zero if any phase failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${TESSKIT_CACHE_DIR:?run this through make, which sets it}"
# Build artefacts in the cache are unpacked as root on the machines the tests provision: the
# directory must be ours, not a link, and writable by us only.
mkdir -p -m 0755 "$TESSKIT_CACHE_DIR"
if [[ -L $TESSKIT_CACHE_DIR || $(stat -c %u "$TESSKIT_CACHE_DIR") != "$(id -u)" ]] \
  || (( 8#$(stat -c %a "$TESSKIT_CACHE_DIR") & 8#022 )); then
  echo "error: $TESSKIT_CACHE_DIR must be a directory owned by $(id -un), writable only by it" >&2
  exit 1
fi
: > "$TESSKIT_CACHE_DIR/phases.tsv"
rm -f "$TESSKIT_CACHE_DIR/phases.wall"
# Fresh: no build artefact yet, so this run compiles Tesseract (the slow case CI must fit).
if compgen -G "$TESSKIT_CACHE_DIR/artifacts/*.sha256" >/dev/null; then kind=warm; else kind=fresh; fi
echo "$kind" > "$TESSKIT_CACHE_DIR/phases.kind"
echo "test run on a $kind cache ($TESSKIT_CACHE_DIR)"

# One emulated VM per run: test-vm boots it with `vagrant up` and runs the testinfra suite
# against it. The Molecule vagrant scenario (make test-molecule-vagrant) boots a second one
# and stays a manual target.
phases=(bootstrap-dev lint test-molecule test-trainer test-infra test-demo test-cloud test-vm)
# CI is stopped after TESSKIT_CI_MINUTES; a VM phase that cannot finish in what is left is
# skipped, loudly, as a safety net only (a fresh run is meant to fit with every phase).
ci_minutes=${TESSKIT_CI_MINUTES:-90}
vm_phase_minutes=${TESSKIT_VM_PHASE_MINUTES:-20}
[[ -n "${TESSKIT_SKIP_PHASES:-}" ]] && echo "skipping phases: $TESSKIT_SKIP_PHASES"
passed=0; failed=0; skipped=0
count() { if (($1 == 0)); then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }
# The emulated VM keeps one core busy for ~20 minutes while the other phases are mostly
# single-threaded: it runs in the background once the build artefact it provisions from
# exists (after test-molecule's compile), beside the foreground phases. Its log is printed
# when it ends.
vm_pid=
vm_log="$TESSKIT_CACHE_DIR/test-vm.log"
start_vm_phase() {
  local left=$((ci_minutes - SECONDS / 60))
  if ((left < vm_phase_minutes)); then
    echo "=== SKIPPED phase test-vm: $left min left of $ci_minutes, it needs about $vm_phase_minutes"
    skipped=$((skipped + 1))
    return
  fi
  echo "=== phase test-vm: started in the background, log in $vm_log"
  tests/ci/phase.sh test-vm make --no-print-directory test-vm > "$vm_log" 2>&1 &
  vm_pid=$!
}
wants() { [[ " ${phases[*]} " == *" $1 "* && " ${TESSKIT_SKIP_PHASES:-} " != *" $1 "* ]]; }
for phase in "${phases[@]}"; do
  wants "$phase" || continue
  if [[ $phase == test-vm ]]; then
    [[ -z $vm_pid ]] && start_vm_phase
    continue
  fi
  if [[ $phase == test-molecule ]] && wants test-vm && command -v vagrant >/dev/null; then
    # The VM's box (debootstrap, mostly waiting on the network and disk) builds beside the
    # Molecule compile on a fresh machine; test-vm waits for it (a lock in build-box.sh).
    tests/vm/build-box.sh "${TESSKIT_TEST_BOX:-tesskit/debian12}" > "$TESSKIT_CACHE_DIR/build-box.log" 2>&1 &
  fi
  # Beside the VM, the other phases yield the CPU to it: it is the longest path of the run,
  # and they have time to spare (nice only orders who waits when both want a core).
  niceness=0
  [[ -n $vm_pid ]] && niceness=${TESSKIT_BESIDE_VM_NICE:-10}
  nice -n "$niceness" tests/ci/phase.sh "$phase" make --no-print-directory "$phase"
  status=$?
  count "$status"
  # Without the venv nothing after it can run.
  ((status != 0)) && [[ $phase == bootstrap-dev ]] && break
  [[ $phase == test-molecule ]] && wants test-vm && start_vm_phase
done
if [[ -n $vm_pid ]]; then
  echo "=== waiting for the background phase test-vm"
  wait "$vm_pid"
  status=$?
  cat "$vm_log"
  count "$status"
fi
# Wall time, which the phases' sum overstates now that test-vm runs beside others.
echo "$SECONDS" > "$TESSKIT_CACHE_DIR/phases.wall"
printf '\nphase timings:\n'
python3 bench/ci_phases.py --cache "$TESSKIT_CACHE_DIR" | sed 's/^/  /'
echo "phases: $passed passed, $failed failed, $skipped skipped for time"
((failed == 0))
