# tesskit: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
# Build artefacts, lstmf caches, box images, wheelhouses: kept outside the clone in CI so a
# re-run on the same machine does not compile Tesseract again.
export TESSKIT_CACHE_DIR ?= $(CURDIR)/.cache
INVENTORY ?= inventory/localhost.yml
# Extra variables for the playbook, e.g. EXTRA_VARS=@provisioning/mirror.yml (mirror URLs).
EXTRA_VARS ?=
BECOME_FLAG := $(if $(filter 0,$(shell id -u)),,--ask-become-pass)

.PHONY: help bootstrap bootstrap-dev provision demo lint test test-trainer test-infra \
        test-molecule test-demo test-cloud test-vm \
        test-molecule-vagrant clean-cache lock lock-check

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

bootstrap: ## control-host venv with the trainer and Ansible
	scripts/bootstrap.sh

bootstrap-dev: ## venv with test and lint tools, plus the system packages tests need
	tests/ci/install-test-deps.sh
	scripts/bootstrap.sh --dev

provision: bootstrap ## provision this machine: deps, Tesseract from source, models, env
	ansible-playbook -i $(INVENTORY) playbooks/site.yml $(BECOME_FLAG) $(if $(EXTRA_VARS),-e $(EXTRA_VARS))

demo: provision ## provision, fine-tune the demo model and print its CER report
	bash -lc 'tesskit check && tesskit demo'

lint: lock-check ## ruff, yamllint, ansible-lint (production profile), lock and role docs in sync
	ruff check trainer tests bench
	ruff format --check trainer tests bench
	yamllint -s .
	ansible-lint
	python tests/ci/gen-roles-doc.py --check
	@# pytest imports test modules by basename (rootdir conftest, no packages): one of each.
	@dups=$$(find tests -name 'test_*.py' -printf '%f\n' | sort | uniq -d); \
	  if [ -n "$$dups" ]; then echo "test files share a name: $$dups" >&2; exit 1; fi
	vagrant validate

test-trainer: ## trainer unit + integration tests against the real training tools
	pytest -m "not infra and not vm" tests/unit tests/integration

test-molecule: ## molecule default scenario: debootstrap image, build, converge, verify
	tests/ci/podman-setup.sh
	molecule test -s default

test-infra: ## provisioning fault tests: checksums, HTML answers, truncated downloads
	pytest -m "infra and not vm" tests/infra

test-demo: ## `make demo` end to end on this machine, downloads from a loopback mirror
	tests/e2e/demo.sh

test-cloud: ## train.yml (local, and over SSH with a dropped connection); tesskit sweep --inventory over this machine + a podman container
	pytest -m cloud tests/cloud

# VM tests run under software emulation unless told otherwise: nested KVM is often missing
# or too slow to boot in CI machines. On a laptop with KVM: TESSKIT_LIBVIRT_DRIVER=kvm.
test-vm test-molecule-vagrant: export TESSKIT_LIBVIRT_DRIVER ?= qemu
test-vm test-molecule-vagrant: export TESSKIT_LIBVIRT_CPU_MODE ?= custom
test-vm test-molecule-vagrant: export TESSKIT_LIBVIRT_CPU_MODEL ?= Nehalem

test-molecule-vagrant: ## molecule vagrant scenario on the same box; skipped where no provider exists
	tests/ci/molecule-vagrant.sh

test-vm: ## `vagrant up` with the Vagrantfile on a locally built Debian box (libvirt, emulated)
	tests/ci/libvirt-setup.sh
	pytest -s -m vm tests/vm

test: ## everything CI runs, phase by phase with timings
	tests/ci/test-all.sh

# The training venv installs exactly these versions, by sha256 (pip --require-hashes). The
# existing lock is uv's preference, so a re-lock changes only what pyproject.toml forces.
LOCK := roles/training_env/files/trainer-requirements.txt
UV_COMPILE = uv pip compile -q --universal --generate-hashes --no-header --python-version 3.9 \
	pyproject.toml roles/training_env/files/trainer-requirements.in

lock: ## re-pin the trainer's dependencies with hashes for the training venv
	$(UV_COMPILE) -o $(LOCK)

lock-check: ## the lock still satisfies pyproject.toml (part of lint)
	@tmp=$$(mktemp) && cp $(LOCK) $$tmp && $(UV_COMPILE) -o $$tmp \
	  && diff -u $(LOCK) $$tmp && rm -f $$tmp && echo "lock matches pyproject.toml" \
	  || { echo "error: $(LOCK) is stale: run make lock" >&2; rm -f $$tmp; exit 1; }

clean-cache: ## drop build artefacts and caches (never ground truth)
	rm -rf "$(TESSKIT_CACHE_DIR)"
