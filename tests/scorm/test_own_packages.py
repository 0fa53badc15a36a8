"""The project's own SCORM test packages (tests/packages/): well-formed, complete, one SCO script."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
NAMES = sorted(p.name for p in PACKAGES.iterdir() if (p / "imsmanifest.xml").is_file())


def test_packages_cover_both_versions_single_and_multi_sco() -> None:
    assert NAMES == ["scorm12-multi", "scorm12-single", "scorm2004-multi", "scorm2004-single"]


@pytest.mark.parametrize("name", NAMES)
def test_package_manifest_names_only_files_it_ships(name: str) -> None:
    root = ET.parse(PACKAGES / name / "imsmanifest.xml").getroot()
    hrefs = {e.get("href") for e in root.iter() if e.tag.endswith(("}file", "}resource")) and e.get("href")}
    assert hrefs, "a package lists its files"
    for href in hrefs:
        assert (PACKAGES / name / str(href)).is_file(), href
    scos = [
        e
        for e in root.iter()
        if e.tag.endswith("}resource")
        and any(k.lower().endswith("}scormtype") and v == "sco" for k, v in e.attrib.items())
    ]
    assert len(scos) == (2 if name.endswith("multi") else 1)


def test_packages_share_one_sco_script() -> None:
    copies = {(PACKAGES / name / "sco.js").read_text() for name in NAMES}
    assert len(copies) == 1, "edit sco.js once and copy it into every package"
