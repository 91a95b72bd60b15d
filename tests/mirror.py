"""A loopback HTTP mirror of the upstream download layout, with fault modes for tests.

Upstream paths are kept, so a role only needs its base URL changed:
  /tesseract-ocr/tesseract/archive/refs/tags/<version>.tar.gz  (the path of the role's default URL)
  /tessdata_best/raw/main/<lang>.traineddata
  /tessdata_fast/raw/main/<lang>.traineddata
  /langdata_lstm/raw/main/<file>
A fault prefix changes how any of them is answered:
  /html/...      200 with an HTML page (a GitHub "blob" page saved instead of the raw file)
  /truncate/...  the full Content-Length announced, half the bytes sent, connection closed
  /404/...       not found

Only 127.0.0.1 (or an address given explicitly, such as a libvirt bridge of this machine).
The Tesseract source served is the real release archive in ../shared/data/src, checked
against the role's own pinned sha256 (tests never use a checksum of their own for it).
CLI: python tests/mirror.py build DIR --shared ../shared/data
     python tests/mirror.py serve DIR [--port 0] [--bind 127.0.0.1] [--pidfile F]
     python tests/mirror.py vars URL > vars.json
     python tests/mirror.py wheelhouse CACHE
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
from hashlib import sha256
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROLE_DEFAULTS = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "roles/tesseract_build/defaults/main.yml").read_text()
)
# What the product promises: the version, its pinned archive, the path of its real URL.
TESSERACT_VERSION: str = ROLE_DEFAULTS["tesseract_version"]
TESSERACT_SHA256: str = ROLE_DEFAULTS["tesseract_build_source_sha256"]
_SOURCE_URL: str = ROLE_DEFAULTS["tesseract_build_source_url"]
TESSERACT_SOURCE_PATH = urlparse(
    _SOURCE_URL.replace("{{ tesseract_version }}", TESSERACT_VERSION)
).path


class MirrorHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet in tests
        pass

    def do_GET(self) -> None:
        for prefix, action in (
            ("/html/", self._html),
            ("/truncate/", self._truncate),
            ("/404/", self._missing),
        ):
            if self.path.startswith(prefix):
                self.path = "/" + self.path[len(prefix) :]
                action()
                return
        super().do_GET()

    def _html(self) -> None:
        body = b"<!DOCTYPE html><html><head><title>GitHub</title></head><body>blob</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _truncate(self) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self._missing()
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _missing(self) -> None:
        self.send_error(404, "not on this mirror")


class Mirror:
    """``with Mirror(root) as m: m.url`` serves ``root`` on an ephemeral loopback port."""

    def __init__(self, root: Path, bind: str = "127.0.0.1", port: int = 0) -> None:
        handler = lambda *a, **kw: MirrorHandler(*a, directory=str(root), **kw)  # noqa: E731
        self.server = ThreadingHTTPServer((bind, port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def tesseract_source(shared: Path) -> Path:
    """The real release archive of the pinned version in ../shared/data/src, refused unless
    its sha256 is the one the role pins."""
    archive = shared / "src" / f"tesseract-{TESSERACT_VERSION}.tar.gz"
    digest = sha256(archive.read_bytes()).hexdigest()
    if digest != TESSERACT_SHA256:
        raise RuntimeError(f"{archive} has sha256 {digest}, the role pins {TESSERACT_SHA256}")
    return archive


def build_tree(root: Path, shared: Path) -> Path:
    """Lay out the mirror from ../shared/data: models, langdata and the Tesseract source."""
    best = root / "tessdata_best/raw/main"
    fast = root / "tessdata_fast/raw/main"
    langdata = root / "langdata_lstm/raw/main"
    for directory in (best, fast, langdata):
        directory.mkdir(parents=True, exist_ok=True)
    float_model = shared / "tessdata_best" / "fra.traineddata"
    _link(float_model, best / "fra.traineddata")
    _link(float_model, best / "eng.traineddata")  # stand-in: no float eng is available here
    _link(shared / "tessdata_fast" / "eng.traineddata", fast / "eng.traineddata")
    for path in (shared / "langdata").glob("*"):
        if path.is_file():
            _link(path, langdata / path.name)
    source = root / TESSERACT_SOURCE_PATH.lstrip("/")
    source.parent.mkdir(parents=True, exist_ok=True)
    _link(tesseract_source(shared), source)
    return root


# sha256 of the files build_tree serves, pinned (not read from the mirror) so a mirror that
# serves something else is caught by the role's checks. One file shared with Molecule's
# group_vars and the testinfra checks. best/eng is the float French model, the stand-in
# for eng (no float eng is available here).
PINNED_CHECKSUMS: dict[str, str] = json.loads(
    Path(__file__).with_name("mirror-checksums.json").read_text()
)


def playbook_vars(url: str) -> dict[str, object]:
    """Extra vars pointing playbooks/site.yml at a mirror made by build_tree: only the
    download locations change; version and checksums stay the roles' own."""
    return {
        "tesseract_build_source_url": f"{url}{TESSERACT_SOURCE_PATH}",
        "tessdata_languages": ["eng"],
        "tessdata_best_base_url": f"{url}/tessdata_best/raw/main",
        "tessdata_fast_base_url": f"{url}/tessdata_fast/raw/main",
        "tessdata_langdata_base_url": f"{url}/langdata_lstm/raw/main",
        "tessdata_checksums": PINNED_CHECKSUMS,
        "tessdata_unpinned_policy": "fail",
    }


def site_vars(url: str, cache: Path) -> dict[str, object]:
    """playbooks/site.yml's variables as the Molecule scenarios set them: downloads from
    the mirror at ``url``, Tesseract unpacked from the build artefact cached in ``cache``
    (nothing compiles), Python packages from its wheelhouse."""
    return {
        **playbook_vars(url),
        "tesseract_build_artifact_cache_dir": str(cache / "artifacts"),
        "training_env_wheelhouse": str(cache / "wheelhouse"),
    }


LOCK = Path(__file__).resolve().parents[1] / "roles/training_env/files/trainer-requirements.txt"


def build_wheelhouse(cache: Path) -> Path:
    """Wheels of the locked trainer dependencies (hash-checked by pip), for targets that
    install without an index; rebuilt when the lock changes."""
    wheelhouse = cache / "wheelhouse"
    done = wheelhouse / f".complete-{sha256(LOCK.read_bytes()).hexdigest()[:16]}"
    if not done.exists():
        shutil.rmtree(wheelhouse, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", str(wheelhouse),
             "--require-hashes", "-r", str(LOCK)],
            check=True,
        )  # fmt: skip
        done.touch()
    return wheelhouse


def _link(src: Path, dest: Path) -> None:
    if dest.exists() or dest.is_symlink():
        dest.unlink()
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("root", type=Path)
    build.add_argument("--shared", type=Path, required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("root", type=Path)
    serve.add_argument("--bind", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--pidfile", type=Path)
    serve.add_argument("--urlfile", type=Path)
    wheels = sub.add_parser("wheelhouse", help="wheels of the locked trainer dependencies")
    wheels.add_argument("cache", type=Path)
    variables = sub.add_parser("vars", help="print playbook extra vars (JSON) for a mirror")
    variables.add_argument("url")
    args = parser.parse_args()
    if args.command == "vars":
        print(json.dumps(playbook_vars(args.url), indent=2))
        return
    if args.command == "wheelhouse":
        print(build_wheelhouse(args.cache))
        return
    if args.command == "build":
        build_tree(args.root, args.shared)
        return
    mirror = Mirror(args.root, args.bind, args.port)
    if args.pidfile:
        args.pidfile.write_text(str(os.getpid()))
    if args.urlfile:
        args.urlfile.write_text(mirror.url)
    print(mirror.url, flush=True)
    mirror.server.serve_forever()


if __name__ == "__main__":
    main()
