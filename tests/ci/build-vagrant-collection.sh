#!/usr/bin/env bash
# Molecule's vagrant driver calls the `community.vagrant.vagrant` module, which Galaxy would
# supply. Galaxy is unreachable here, so build that collection from the module shipped in
# PyPI's molecule-vagrant wheel (MIT, unchanged) and install it into the cache's
# collections path. Prints the path to put in ANSIBLE_COLLECTIONS_PATH. Cached.
set -euo pipefail
cache=${TESSKIT_CACHE_DIR:?run this through make, which sets it}
dest=$cache/collections
if [[ -f $dest/ansible_collections/community/vagrant/plugins/modules/vagrant.py ]]; then
  echo "$dest"; exit 0
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps --dest "$work" "molecule-vagrant==2.0.0" >&2
python3 -m zipfile -e "$work"/molecule_vagrant-*.whl "$work/wheel"
src=$work/collection
mkdir -p "$src/plugins/modules" "$src/meta"
cp "$work/wheel/molecule_vagrant/modules/vagrant.py" "$src/plugins/modules/vagrant.py"
echo 'requires_ansible: ">=2.12"' >"$src/meta/runtime.yml"
cat >"$src/galaxy.yml" <<'YAML'
namespace: community
name: vagrant
version: 0.0.0-local
readme: README.md
authors: [molecule-vagrant authors (module), built locally by tesskit]
description: community.vagrant.vagrant from PyPI's molecule-vagrant wheel (Galaxy unreachable)
license: [MIT]
YAML
echo "community.vagrant, built from molecule-vagrant 2.0.0 on PyPI" >"$src/README.md"
ansible-galaxy collection build -f "$src" --output-path "$work" >&2
ansible-galaxy collection install -f -p "$dest" "$work"/community-vagrant-*.tar.gz >&2
echo "$dest"
