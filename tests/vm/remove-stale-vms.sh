#!/usr/bin/env bash
# Remove libvirt domains and disks that earlier, interrupted test runs left behind: a VM
# phase killed mid-run (timeout, reboot) never reaches `vagrant destroy`, and the next
# run's `vagrant up` then fails with "Name ... of domain about to create is already taken".
#
#   remove-stale-vms.sh GLOB...     e.g. 'tesskit-vm-*_default'
#
# A domain is kept when its project directory /var/tmp/<name without _default> holds a
# .kept marker (TESSKIT_TEST_KEEP_VM=1 runs write it, to be looked at by hand).
set -euo pipefail
uri=qemu:///system
pool=${TESSKIT_LIBVIRT_POOL:-default}
(($# > 0)) || { echo "usage: $0 GLOB..." >&2; exit 2; }

matches() {
  local name=$1 glob
  for glob in "${@:2}"; do
    # shellcheck disable=SC2053  # the glob is meant to match
    [[ $name == $glob ]] && return 0
  done
  return 1
}

kept() { [[ -e /var/tmp/${1%_default}/.kept ]]; }

while read -r domain; do
  [[ -n $domain ]] && matches "$domain" "$@" || continue
  if kept "$domain"; then
    echo "remove-stale-vms: keeping $domain (/var/tmp/${domain%_default}/.kept)"
    continue
  fi
  echo "remove-stale-vms: removing domain $domain, left by an interrupted run"
  virsh -c "$uri" destroy "$domain" >/dev/null 2>&1 || true  # already shut off
  virsh -c "$uri" undefine "$domain" --snapshots-metadata --remove-all-storage >/dev/null
done < <(virsh -c "$uri" list --all --name)

# Disks whose domain is gone (an interrupted `vagrant up` can create the disk first).
if virsh -c "$uri" pool-info "$pool" >/dev/null 2>&1; then
  while read -r volume; do
    [[ $volume == *.img ]] || continue
    domain=${volume%.img}
    matches "$domain" "$@" && ! kept "$domain" || continue
    virsh -c "$uri" dominfo "$domain" >/dev/null 2>&1 && continue
    echo "remove-stale-vms: removing disk $volume, left by an interrupted run"
    virsh -c "$uri" vol-delete --pool "$pool" "$volume" >/dev/null
  done < <(virsh -c "$uri" vol-list "$pool" | awk 'NR > 2 && NF { print $1 }')
fi
