#!/usr/bin/env bash
# Make the control-host Python environment: .venv with the trainer and (with --dev) the
# test and lint tools. PyPI's full `ansible` package brings the collections
# (containers.podman, community.general, ansible.posix) Galaxy would otherwise supply.
# Idempotent; cheap when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="provision,vm"
[[ "${1:-}" == "--dev" ]] && extras="dev"

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if command -v apt-get >/dev/null; then
    sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq python3-venv python3-pip
  else
    echo "error: python3 with the venv module is required" >&2; exit 1
  fi
fi

stamp=".venv/.tesskit-$extras-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[$extras]"
  touch "$stamp"
fi
echo "bootstrap: .venv ready ($extras)"
