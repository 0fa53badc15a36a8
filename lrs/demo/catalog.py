"""The demo's packages: the project's SCORM test packages (tests/packages/) found on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lrs.errors import NotFound

# The source checkout's test packages; LRS_DEMO_PACKAGES_DIR points elsewhere (e.g. in an image).
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "tests" / "packages"
DEMO_LEARNER_PREFIX = "demo-"


@dataclass(frozen=True)
class DemoPackage:
    """One package folder: its name (also the demo course id's suffix) and its manifest bytes."""

    name: str
    folder: Path

    @property
    def course_id(self) -> str:
        return DEMO_LEARNER_PREFIX + self.name

    def manifest(self) -> bytes:
        return (self.folder / "imsmanifest.xml").read_bytes()


def packages_dir(configured: str | None) -> Path:
    return Path(configured) if configured else DEFAULT_DIR


def list_packages(root: Path) -> list[DemoPackage]:
    """Every folder of `root` holding an imsmanifest.xml, by name."""
    if not root.is_dir():
        return []
    return [DemoPackage(p.name, p) for p in sorted(root.iterdir()) if (p / "imsmanifest.xml").is_file()]


def find_package(root: Path, name: str) -> DemoPackage:
    """The package folder called `name`; NotFound for any other name."""
    for package in list_packages(root):
        if package.name == name:
            return package
    raise NotFound(f"no demo package {name!r}", field="package")


def package_file(root: Path, name: str, path: str) -> Path:
    """A file inside a package folder; NotFound for anything else (no way out of the folder)."""
    folder = find_package(root, name).folder.resolve()
    target = (folder / path).resolve()
    if not target.is_relative_to(folder) or not target.is_file():
        raise NotFound(f"no file {path!r} in demo package {name!r}", field="path")
    return target
