#!/usr/bin/env bash
# `molecule test -s vagrant` where a Vagrant provider exists; a clear skip where none does.
# Prepares what Galaxy and Vagrant Cloud would otherwise supply: the community.vagrant
# collection and the Debian box, both built locally and cached.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v vagrant >/dev/null; then
  echo "SKIPPED molecule vagrant scenario: vagrant is not installed"; exit 0
fi
if command -v VBoxManage >/dev/null; then
  export MOLECULE_VAGRANT_PROVIDER=virtualbox
elif vagrant plugin list 2>/dev/null | grep -q vagrant-libvirt && command -v libvirtd >/dev/null; then
  tests/ci/libvirt-setup.sh
  # The instance of an interrupted run whose Molecule state is gone: destroy cannot find it.
  tests/vm/remove-stale-vms.sh '*_tesskit-vagrant'
else
  echo "SKIPPED molecule vagrant scenario: no provider (install VirtualBox, or vagrant-libvirt and libvirt-daemon-system)"
  exit 0
fi
tests/vm/build-box.sh "${TESSKIT_TEST_BOX:-tesskit/debian12}"
collections=$(tests/ci/build-vagrant-collection.sh)
export ANSIBLE_COLLECTIONS_PATH=$collections${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}
exec molecule test -s vagrant
