#!/usr/bin/env bash
# Run one named test phase, print and record how long it took: `phase.sh NAME cmd...`.
# The record ($TESSKIT_CACHE_DIR/phases.tsv) is what bench/ci_phases.py reads.
set -uo pipefail
name=$1; shift
mkdir -p "${TESSKIT_CACHE_DIR:?run this through make, which sets it}"
record="$TESSKIT_CACHE_DIR/phases.tsv"
printf '\n=== phase %s: %s\n' "$name" "$*"
start=$(date +%s)
"$@"
status=$?
secs=$(( $(date +%s) - start ))
printf '%s\t%s\t%s\n' "$name" "$secs" "$status" >> "$record"
printf '=== phase %s: %s s, exit %s\n' "$name" "$secs" "$status"
exit "$status"
