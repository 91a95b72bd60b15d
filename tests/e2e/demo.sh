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
python3 tests/mirror.py build "$cache/mirror" --shared "$shared"
python3 tests/mirror.py serve "$cache/mirror" --port "$port" --pidfile "$cache/demo-mirror.pid" > "$cache/demo-mirror.log" 2>&1 &
trap 'kill "$(cat "$cache/demo-mirror.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done

mirror="http://127.0.0.1:$port"
vars="$cache/demo-vars.json"
python3 tests/mirror.py vars "$mirror" > "$vars"
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
