#!/usr/bin/env bash
# libvirt for vagrant-libvirt on a machine without systemd as PID 1 (CI containers, this
# workplace): start the daemons by hand, once. With systemd they are socket-activated and
# this only checks that `virsh` answers.
set -euo pipefail
uri=qemu:///system
if virsh -c "$uri" version >/dev/null 2>&1; then
  echo "libvirt answers on $uri"; exit 0
fi
((EUID == 0)) || { echo "libvirt-setup.sh: run as root to start libvirtd" >&2; exit 1; }
mkdir -p /run/libvirt
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x virtlockd >/dev/null || virtlockd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 50); do
  virsh -c "$uri" version >/dev/null 2>&1 && { echo "libvirt started ($uri)"; exit 0; }
  sleep 0.2
done
echo "libvirt-setup.sh: libvirtd did not answer on $uri" >&2
exit 1
