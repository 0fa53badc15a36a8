"""The committed browser bundles are exactly what js/ builds from its lockfile (npm ci + esbuild)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "js"
NODE = shutil.which("node")
NPM = shutil.which("npm")

pytestmark = pytest.mark.skipif(
    (NODE is None or NPM is None) and not os.environ.get("CI"),
    reason="node and npm are not installed: the committed bundle cannot be rebuilt here (CI has them)",
)


def built_outputs(js: Path) -> list[str]:
    """The files build.mjs (in `js`, where npm ci installed esbuild) writes, relative to the repository."""
    listing = subprocess.run(
        ["node", "--input-type=module", "-e", "import('./build.mjs')"],
        cwd=js,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LRS_JS_LIST_ONLY": "1"},
    )
    assert listing.returncode == 0, listing.stderr
    return listing.stdout.split()


def test_bundles_rebuild_byte_identical_from_the_lockfile(tmp_path: Path) -> None:
    work = tmp_path / "js"
    work.mkdir()
    for name in ("package.json", "package-lock.json", "build.mjs"):
        shutil.copy2(JS / name, work / name)
    shutil.copytree(JS / "src", work / "src")
    npm = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert npm.returncode == 0, npm.stderr
    out = tmp_path / "out"
    build = subprocess.run(
        ["node", "build.mjs", "--outdir", str(out)], cwd=work, capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stderr
    outputs = built_outputs(work)
    assert "lrs/static/runtime/lrs-bridge-runtime.js" in outputs
    for output in outputs:
        rebuilt = (out / output).read_bytes()
        assert rebuilt == (ROOT / output).read_bytes(), f"{output} differs from a fresh build: run `make js`"
