#!/usr/bin/env bash
# A registry-free podman target: Debian bookworm from Debian's archive via debootstrap,
# plus systemd, python3 and sudo. Built once per machine (skipped when the image exists).
set -euo pipefail
image=${TESSKIT_PODMAN_IMAGE:-localhost/tesskit-bookworm-systemd}
cache=${TESSKIT_CACHE_DIR:?run this through make, which sets it}
mkdir -p "$cache/ccache"  # bind-mounted into the molecule container

for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || { apt-get update -qq; apt-get install -y -qq podman runc debootstrap; break; }
done

# Without systemd as PID 1 and with a low hard nofile limit podman's defaults fail here
# (setrlimit, then cgroups in hybrid mode): pin ulimits, runc and cgroupfs.
conf=/etc/containers/containers.conf
if ! grep -qs 'tesskit' "$conf"; then
  mkdir -p /etc/containers
  cat > "$conf" <<'CONF'
# tesskit: podman without systemd as PID 1
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
fi

if podman image exists "$image"; then
  echo "podman image $image present"; exit 0
fi
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs="$cache/rootfs-bookworm"
if [[ ! -f "$rootfs/etc/debian_version" ]]; then
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
fi
tar -C "$rootfs" -c . | podman import - localhost/tesskit-bookworm-base >/dev/null
build=$(mktemp -d)
cat > "$build/Containerfile" <<'CF'
FROM localhost/tesskit-bookworm-base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      systemd systemd-sysv python3 python3-apt sudo ca-certificates && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
CF
podman build -q -t "$image" "$build" >/dev/null
rm -rf "$build"
echo "podman image $image built"
