#!/usr/bin/env bash
# The README's first command, end to end on this machine: `make demo` provisions it with
# playbooks/site.yml (sources and models from a loopback mirror, since this workplace has
# no GitHub) and runs the demo training. With the artefact the molecule phase built, the
# provisioning unpacks Tesseract instead of compiling it.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${TESSKIT_CACHE_DIR:-$PWD/.cache}
shared=$(realpath ../shared/data)
port=${TESSKIT_DEMO_MIRROR_PORT:-18766}
read -r tarball sha version < <(scripts/fetch-tesseract-source.sh "$cache/src")

python3 tests/mirror.py build "$cache/mirror" --shared "$shared" --tesseract-source "$tarball" --version "$version"
python3 tests/mirror.py serve "$cache/mirror" --port "$port" --pidfile "$cache/demo-mirror.pid" > "$cache/demo-mirror.log" 2>&1 &
trap 'kill "$(cat "$cache/demo-mirror.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done

mirror="http://127.0.0.1:$port"
vars="$cache/demo-vars.json"
cat > "$vars" <<JSON
{
  "tesseract_version": "$version",
  "tesseract_build_source_url": "$mirror/tesseract/archive/refs/tags/$version.tar.gz",
  "tesseract_build_source_sha256": "$sha",
  "tessdata_languages": ["eng"],
  "tessdata_best_base_url": "$mirror/tessdata_best/raw/main",
  "tessdata_fast_base_url": "$mirror/tessdata_fast/raw/main",
  "tessdata_langdata_base_url": "$mirror/langdata_lstm/raw/main",
  "tessdata_checksums": {
    "best/eng.traineddata": "907743d98915c91a3906dfbf6e48b97598346698fe53aaa797e1a064ffcac913",
    "fast/eng.traineddata": "7d4322bd2a7749724879683fc3912cb542f19906c83bcc1a52132556427170b2",
    "langdata/radical-stroke.txt": "9b441331169924e640233ae3abff9b4ac7019e33978a074c9d322f89afab1b89",
    "langdata/Latin.unicharset": "2c5344876ec1edfc3187530949c76b93aab97c6031fa94a48bf85f40a3c7e128",
    "langdata/Greek.unicharset": "c491485b52424626035c76ca27e5fd4824367f03577c386020618ee8ad8aa842",
    "langdata/Cyrillic.unicharset": "75804950557227223e142862d8006df66d61d248ceacf46d4669641516b26876"
  },
  "tessdata_unpinned_policy": "fail"
}
JSON
log="$cache/demo.log"
make demo EXTRA_VARS="@$vars" 2>&1 | tee "$log"
# The report must show the fine-tuned model beating the base model on held-out lines.
python3 - "$log" <<'PY'
import re, sys
rows = dict(re.findall(r"│ (\w+)\s+│\s+([\d.]+) │", open(sys.argv[1]).read()))
base, tuned = float(rows["eng"]), float(rows["demo"])
print(f"demo CER: eng {base:.2f}% -> fine-tuned {tuned:.2f}%")
sys.exit(0 if tuned < base else 1)
PY
# Second provisioning run: nothing left to change.
ansible-playbook -i inventory/localhost.yml playbooks/site.yml -e "@$vars" | tee "$cache/demo-idempotence.log" | tail -3
grep -q "changed=0" "$cache/demo-idempotence.log"
