#!/usr/bin/env bash
# The README's first command, end to end on this machine: `make demo` provisions it with
# playbooks/site.yml (sources and models from a loopback mirror, since this workplace has
# no GitHub) and runs the demo training. With the artefact the molecule phase built, the
# provisioning unpacks Tesseract instead of compiling it.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${TESSKIT_CACHE_DIR:?run this through make, which sets it}
shared=$(realpath ../shared/data)
port=${TESSKIT_DEMO_MIRROR_PORT:-18766}
python3 tests/mirror.py build "$cache/mirror" --shared "$shared"
python3 tests/mirror.py serve "$cache/mirror" --port "$port" --pidfile "$cache/demo-mirror.pid" > "$cache/demo-mirror.log" 2>&1 &
trap 'kill "$(cat "$cache/demo-mirror.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done

# Another local user prepared traps where older versions built: /var/tmp/tesseract-build with
# links to /etc and /usr/local. Provisioning (twice) must not touch them or what they reach.
hostile=tkhostile
id "$hostile" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$hostile"
rm -rf /var/tmp/tesseract-build
runuser -u "$hostile" -- bash -c 'mkdir -p /var/tmp/tesseract-build && ln -s /etc /var/tmp/tesseract-build/src && ln -s /usr/local /var/tmp/tesseract-build/stage && ln -s /etc/passwd /var/tmp/tesseract-build/tesseract-5.3.4.tar.gz'
watched=(/ /usr /etc /etc/passwd /usr/local /usr/local/bin /usr/local/lib /usr/local/share /var/tmp/tesseract-build /var/tmp/tesseract-build/src)
owners() { stat -c '%n %U:%G %a' "${watched[@]}" /var/tmp/tesseract-build/*; }
owners > "$cache/demo-owners-before.txt"

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

# Nothing outside what the roles manage changed owner or mode, the traps included.
owners > "$cache/demo-owners-after.txt"
diff -u "$cache/demo-owners-before.txt" "$cache/demo-owners-after.txt"
grep -q "^/var/tmp/tesseract-build $hostile:$hostile" "$cache/demo-owners-after.txt"
rm -rf /var/tmp/tesseract-build
userdel --remove "$hostile" 2>/dev/null || true

# The machine checks of the Molecule scenarios, on this machine (ownership and modes too).
pytest -p no:cacheprovider -q -m "not slow" --hosts=local:// tests/testinfra
