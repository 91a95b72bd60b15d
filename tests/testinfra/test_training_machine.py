"""What a provisioned training machine must offer (molecule verify, testinfra).

Commands through the podman connection cost seconds each, so each test asks one question
with one command.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from trainer.tools import OPTIONAL_TOOLS, TRAINING_TOOLS

from mirror import TESSERACT_VERSION

# The version the role pins (tests/mirror.py reads it from the role's defaults).
VERSION = os.environ.get("TESSKIT_EXPECT_VERSION", TESSERACT_VERSION)
PREFIX = "/usr/local"
TESSDATA = f"{PREFIX}/share/tessdata"
TOOLS = TRAINING_TOOLS + OPTIONAL_TOOLS  # text2image too: it exists only when pango was found
# What the loopback mirror serves (the float French model as eng: the stand-in for eng best).
PINNED = json.loads((Path(__file__).parents[1] / "mirror-checksums.json").read_text())
SHA256 = {
    f"{TESSDATA}/eng.traineddata": PINNED["best/eng.traineddata"],
    f"{TESSDATA}/fast/eng.traineddata": PINNED["fast/eng.traineddata"],
}
# The training user: the role's default, or what the target was provisioned with (the
# Vagrantfile trains as `vagrant`).
USER = os.environ.get("TESSKIT_EXPECT_USER", "tesskit")


def as_user(host, command: str):
    """Run in the training user's login shell, as a user would after `ssh`.

    The script travels base64-encoded so no quoting layer (ansible, sh, runuser) mangles it.
    """
    encoded = base64.b64encode(command.encode()).decode()
    return host.run(f"runuser -l {USER} -c 'echo {encoded} | base64 -d | bash'")


def test_tesseract_and_training_tools_at_version(host) -> None:
    script = " && ".join(f"test -x {PREFIX}/bin/{t}" for t in TOOLS)
    result = host.run(f"{script} && {PREFIX}/bin/tesseract --version")
    assert result.rc == 0, result.stderr
    assert f"tesseract {VERSION}" in result.stdout + result.stderr


def test_training_tools_link_against_the_built_library(host) -> None:
    out = host.check_output(f"ldd {PREFIX}/bin/lstmtraining {PREFIX}/bin/text2image")
    assert "not found" not in out
    assert f"libtesseract.so.5 => {PREFIX}/lib/libtesseract.so.5" in out
    assert "libpango" in out  # text2image is only built with pango: training tools are real


def test_tessdata_prefix_in_a_login_shell_and_models_checksummed(host) -> None:
    files = " ".join(SHA256)
    out = as_user(
        host,
        f"echo PREFIX=$TESSDATA_PREFIX; sha256sum {files}; "
        f"test -f $TESSDATA_PREFIX/configs/lstm.train && echo CONFIG_OK",
    )
    assert out.rc == 0, out.stderr
    assert f"PREFIX={TESSDATA}\n" in out.stdout
    for path, digest in SHA256.items():
        assert f"{digest}  {path}" in out.stdout
    assert "CONFIG_OK" in out.stdout


# Directories a provisioning run passes through or installs into. None may end up owned by
# another user or writable by group/others (GNU tar, run as root on an archive packed by
# the build user, used to give / and /usr/local away).
INSTALLED_DIRS = ("bin", "lib", "include", "share", "share/tesskit", "lib/pkgconfig")
SYSTEM_DIRS = (
    "/",
    "/usr",
    "/etc",
    "/var/cache/tesskit",
    PREFIX,
    *(f"{PREFIX}/{d}" for d in INSTALLED_DIRS),
)


def test_system_directories_stay_root_owned_and_not_writable_by_others(host) -> None:
    out = host.check_output("stat -c '%n %U %G %a' " + " ".join(SYSTEM_DIRS))
    rows = [line.rsplit(" ", 3) for line in out.splitlines()]
    assert len(rows) == len(SYSTEM_DIRS), out
    wrong = [r for r in rows if r[1:3] != ["root", "root"] or int(r[3], 8) & 0o022]
    assert not wrong, f"not root:root or group/world-writable: {wrong}"


def test_nothing_the_build_installed_belongs_to_another_user(host) -> None:
    found = host.check_output(
        f"find {PREFIX}/bin {PREFIX}/lib {PREFIX}/include -xdev "
        "\\( ! -user root -o ! -group root -o -perm /022 \\) ! -type l -print | head -20"
    )
    assert found == "", found


def test_training_user_is_not_root(host) -> None:
    user = host.user(USER)
    assert user.exists and user.uid != 0


def test_tesskit_check_passes_for_the_training_user(host) -> None:
    result = as_user(host, "tesskit check --start-model eng")
    assert result.rc == 0, result.stdout + result.stderr
    assert "ready to train" in result.stdout


@pytest.mark.slow
def test_tiny_training_produces_a_loadable_model(host) -> None:
    script = (
        "set -e; cd ~; rm -rf verify-gt verify-runs; "
        '/opt/tesskit/venv/bin/python -c "'
        "from pathlib import Path; from trainer.synth import find_font, write_synthetic_dataset; "
        "words = 'amber bridge cobalt delta ember fjord gravel harbor'.split(); "
        "lines = [' '.join(words[(i + k) % 8] for k in range(3)) + f' {i}' for i in range(20)]; "
        "write_synthetic_dataset(Path('verify-gt'), lines, find_font())\"; "
        "tesskit train --model-name tiny --data verify-gt --output-dir verify-runs "
        "--net-spec '[1,36,0,1 Ct3,3,16 Mp3,3 Lfys32 Lfx48 O1c###]' --max-iterations 200 "
        "--no-progress; "
        "tesseract verify-gt/line_0000.png stdout --psm 13 -l tiny --tessdata-dir verify-runs/tiny"
    )
    result = as_user(host, script)
    assert result.rc == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "done" in result.stderr or "done" in result.stdout
