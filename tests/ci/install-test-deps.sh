#!/usr/bin/env bash
# System packages the test suite needs on a fresh Debian bookworm machine (CI starts from
# one). Debian's tesseract-ocr 5.3.0 ships every training tool the trainer tests drive.
set -euo pipefail
sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
packages=(
  tesseract-ocr fonts-dejavu-core        # trainer integration tests (real tools)
  chromium                               # report.html rendered headless (test_report_in_chromium)
  podman runc debootstrap                # molecule default scenario
  ccache rsync openssh-server openssh-client sudo iproute2 # builds, SSH targets
  curl ca-certificates git
  vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients # `vagrant up` (tests/vm)
  qemu-system-x86 qemu-utils dnsmasq-base fdisk grub-pc-bin       # the VM and its box
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "test dependencies present"
