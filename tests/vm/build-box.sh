#!/usr/bin/env bash
# Build a Debian bookworm libvirt box for Vagrant from Debian's packages only (no Vagrant
# Cloud) and add it as a local box. Cached: the .box file is kept in $TESSKIT_CACHE_DIR/vm and
# rebuilt only when this script changes; `vagrant box add` runs only when the box is missing.
#   tests/vm/build-box.sh [BOX_NAME]      (default tesskit/debian12)
# Needs root, debootstrap, qemu-utils, fdisk and grub-pc-bin (tests/ci/install-test-deps.sh installs them).
set -euo pipefail

box_name=${1:-tesskit/debian12}
cache=${TESSKIT_CACHE_DIR:?run this through make, which sets it}/vm
script_hash=$(sha256sum "$0" | cut -c1-12)
box_file=$cache/debian12-libvirt-$script_hash.box
mkdir -p "$cache"
# One build at a time: tests/ci/test-all.sh starts one early in the background, and test-vm
# then waits for it here instead of building a second box.
exec 9>"$cache/.build-box.lock"
flock 9

t0=$SECONDS
phase() { printf '[build-box %4ds] %s\n' $((SECONDS - t0)) "$*"; }

if [[ ! -s $box_file ]]; then
  ((EUID == 0)) || { echo "build-box.sh: run as root (debootstrap, losetup, mount)" >&2; exit 1; }
  work=$(mktemp -d "$cache/build.XXXXXX")
  root=$work/root
  loop=""
  cleanup() {
    for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
    mountpoint -q "$work/mnt" && umount "$work/mnt"
    [[ -n $loop ]] && losetup -d "$loop"
    rm -rf "$work"
  }
  trap cleanup EXIT

  # The same Debian mirror this machine uses (deb822 or one-line sources).
  mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources \
    /etc/apt/sources.list 2>/dev/null | head -1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}

  phase "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase \
    --include=linux-image-amd64,systemd,systemd-sysv,systemd-resolved,udev,dbus,initramfs-tools,openssh-server,sudo,python3,rsync,ca-certificates,iproute2,procps,less \
    bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }

  phase "configure the guest"
  echo "tesskit-box" >"$root/etc/hostname"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" \
    >"$root/etc/apt/sources.list"
  # DHCP on whatever the NIC is called; resolved gives DNS from the DHCP lease.
  cat >"$root/etc/systemd/network/50-dhcp.network" <<'EOF'
[Match]
Name=en* eth*
[Network]
DHCP=yes
EOF
  ln -sf /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
  # Host keys are made on first boot, so every VM from this box has its own.
  rm -f "$root"/etc/ssh/ssh_host_*
  cat >"$root/etc/systemd/system/ssh-host-keys.service" <<'EOF'
[Unit]
Description=Generate missing SSH host keys
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
[Install]
WantedBy=multi-user.target ssh.service
EOF
  echo "UseDNS no" >"$root/etc/ssh/sshd_config.d/vagrant.conf"
  # Vagrant's convention for base boxes: user vagrant, passwordless sudo, the insecure key
  # (Vagrant swaps it for a fresh key on first `vagrant up`).
  vagrant_key=$(find /usr/share/rubygems-integration /usr/lib/ruby /opt/vagrant \
    -path '*/keys/vagrant.pub' 2>/dev/null | head -1 || true)
  [[ -n $vagrant_key ]] || { echo "build-box.sh: Vagrant's keys/vagrant.pub not found" >&2; exit 1; }
  chroot "$root" useradd -m -s /bin/bash vagrant
  install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
  install -m 0600 -o 1000 -g 1000 "$vagrant_key" "$root/home/vagrant/.ssh/authorized_keys"
  echo "vagrant ALL=(ALL) NOPASSWD: ALL" >"$root/etc/sudoers.d/vagrant"
  chmod 0440 "$root/etc/sudoers.d/vagrant"
  chroot "$root" systemctl enable -q systemd-networkd systemd-resolved ssh ssh-host-keys
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*

  phase "disk image: one ext4 partition, grub by hand"
  truncate -s 8G "$work/disk.raw"
  echo 'start=2048, type=83, bootable' | sfdisk -q "$work/disk.raw"
  # This kernel exposes no loop partitions: attach the partition by offset instead.
  part_bytes=$(( (8 * 1024 * 1024 * 1024) - 2048 * 512 ))
  loop=$(losetup --find --show -o $((2048 * 512)) --sizelimit $part_bytes "$work/disk.raw")
  mkfs.ext4 -q -L root "$loop"
  uuid=$(blkid -s UUID -o value "$loop")
  mkdir -p "$work/mnt"
  mount "$loop" "$work/mnt"
  cp -a "$root/." "$work/mnt/"
  echo "UUID=$uuid / ext4 errors=remount-ro 0 1" >"$work/mnt/etc/fstab"
  kernel=$(cd "$work/mnt/boot" && ls vmlinuz-* | sort -V | tail -1)
  initrd=initrd.img-${kernel#vmlinuz-}
  mkdir -p "$work/mnt/boot/grub"
  cat >"$work/mnt/boot/grub/grub.cfg" <<EOF
set timeout=0
search --no-floppy --fs-uuid --set=root $uuid
linux /boot/$kernel root=UUID=$uuid ro console=ttyS0 net.ifnames=0 quiet
initrd /boot/$initrd
boot
EOF
  printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\nconfigfile ($root)/boot/grub/grub.cfg\n' \
    "$uuid" >"$work/early.cfg"
  grub-mkimage -O i386-pc -o "$work/core.img" -c "$work/early.cfg" -p /boot/grub \
    biosdisk part_msdos ext2 search search_fs_uuid normal linux configfile
  umount "$work/mnt"
  losetup -d "$loop"; loop=""
  dd if=/usr/lib/grub/i386-pc/boot.img of="$work/disk.raw" bs=446 count=1 conv=notrunc status=none
  dd if="$work/core.img" of="$work/disk.raw" bs=512 seek=1 conv=notrunc status=none

  phase "qcow2 + box archive"
  qemu-img convert -c -O qcow2 "$work/disk.raw" "$work/box.img"
  echo '{"provider": "libvirt", "format": "qcow2", "virtual_size": 8}' >"$work/metadata.json"
  cat >"$work/Vagrantfile" <<'EOF'
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.driver = "kvm"
  end
end
EOF
  tar -C "$work" -cf "$box_file.tmp" metadata.json Vagrantfile box.img
  mv "$box_file.tmp" "$box_file"
  phase "box written: $box_file ($(du -h "$box_file" | cut -f1))"
fi

# Add the box when Vagrant lacks it or has one from an older build of this script.
stamp=$cache/$(echo "$box_name" | tr / _).added
if ! vagrant box list 2>/dev/null | grep -q "^$box_name .*libvirt" ||
  [[ $(cat "$stamp" 2>/dev/null) != "$box_file" ]]; then
  phase "vagrant box add $box_name"
  vagrant box add --force --name "$box_name" "$box_file" >/dev/null
  # vagrant-libvirt keeps uploaded box images in the storage pool; drop the old box's.
  slug=$(echo "$box_name" | sed 's|/|-VAGRANTSLASH-|')
  for volume in $(virsh -c qemu:///system vol-list default 2>/dev/null |
    awk -v s="${slug}_vagrant_box_image_" 'index($1, s) == 1 {print $1}'); do
    virsh -c qemu:///system vol-delete --pool default "$volume" >/dev/null 2>&1 || true
  done
  echo "$box_file" >"$stamp"
fi
phase "box ready: $box_name"
