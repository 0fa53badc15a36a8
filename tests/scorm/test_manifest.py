"""imsmanifest.xml parsing: real-world-shaped manifests, and hostile XML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs.errors import InvalidPackage
from lrs.scorm.manifest import Item, ManifestObjective, parse_manifest

MANIFESTS = Path(__file__).parent / "manifests"


def load(name: str) -> bytes:
    return (MANIFESTS / name).read_bytes()


def tree(item: Item) -> object:
    return (item.identifier, item.sco, [tree(child) for child in item.children])


def test_manifest_12_multi_sco_with_clusters_parameters_and_base() -> None:
    manifest = parse_manifest(load("golf_12.xml"))
    assert (manifest.version, manifest.edition, manifest.title) == ("1.2", "1.2", "Golf Explained")
    by_id = {s.id: s for s in manifest.scos}
    assert list(by_id) == ["playing_item", "etiquette_item", "handicap_item"]  # the asset is no SCO
    playing = by_id["playing_item"]
    assert (playing.href, playing.mastery_score, playing.launch_data) == (
        "content/Playing/Playing.html",
        80.0,
        "course=golf;part=1",
    )
    assert (playing.max_time_allowed, playing.time_limit_action) == ("00:30:00", "exit,message")
    assert by_id["etiquette_item"].href == "content/Etiquette/Course.html?lang=en&page=2"
    assert by_id["handicap_item"].href == "content/shared/launch.html?chapter=handicap"
    assert by_id["handicap_item"].resource == "shared_res"
    assert [tree(o) for o in manifest.organizations] == [
        (
            "golf_org",
            None,
            [
                ("playing_item", "playing_item", []),
                (
                    "etiquette_cluster",
                    None,
                    [
                        ("etiquette_item", "etiquette_item", []),
                        ("handicap_item", "handicap_item", []),
                        ("glossary_item", None, []),
                    ],
                ),
            ],
        )
    ]


def test_manifest_2004_4th_nested_with_sequencing_and_other_prefixes() -> None:
    manifest = parse_manifest(load("nested_2004_4th.xml"))
    assert (manifest.version, manifest.edition) == ("2004", "2004 4th Edition")
    by_id = {s.id: s for s in manifest.scos}
    intro, hazards, exam = by_id["sco_intro"], by_id["sco_hazards"], by_id["sco_exam"]
    assert (intro.completion_threshold, intro.scaled_passing_score) == (0.75, None)
    assert intro.objectives == (ManifestObjective("intro_primary", True),)
    assert hazards.href == "hazards/index.html?mode=full"
    assert (hazards.scaled_passing_score, hazards.max_time_allowed) == (0.8, "PT45M")
    assert (hazards.time_limit_action, hazards.launch_data) == ("continue,message", "difficulty=hard")
    assert [o.id for o in hazards.objectives] == ["hazards_primary", "hazards_fire", "hazards_chemical"]
    assert (exam.href, exam.scaled_passing_score, exam.objectives) == ("exam/exam.html", 1.0, ())
    org = manifest.organizations[0]
    assert tree(org) == (
        "safety_org",
        None,
        [
            (
                "module_1",
                None,
                [("lesson_1_1", None, [("sco_intro", "sco_intro", []), ("sco_hazards", "sco_hazards", [])])],
            ),
            ("module_2", None, [("sco_exam", "sco_exam", [])]),
        ],
    )
    intro_item = org.children[0].children[0].children[0]
    assert (intro_item.rollup.objective_satisfied, intro_item.rollup.progress_completion) == (False, True)
    rule = org.children[1].rollup.rules[0]
    assert (rule.child_set, rule.conditions, rule.action) == ("any", (("satisfied", False),), "satisfied")


def test_manifest_2004_3rd_generated_prefixes_and_default_organization() -> None:
    manifest = parse_manifest(load("prefixes_2004_3rd.xml"))
    assert (manifest.edition, manifest.default_organization, manifest.title) == (
        "2004 3rd Edition",
        "ORG-B",
        "Published",
    )
    only = {s.id: s for s in manifest.scos}["ITEM-B1"]
    assert (only.href, only.completion_threshold, only.scaled_passing_score) == ("story.html", 0.6, 0.65)


@pytest.mark.parametrize(
    ("name", "version", "edition", "scos"),
    [
        pytest.param("cam13_2nd.xml", "2004", "2004 2nd Edition", ["i"], id="cam-1.3"),
        pytest.param("resources_only_12.xml", "1.2", "1.2", ["only"], id="no-organization"),
    ],
)
def test_manifest_editions_and_resource_only_packages(
    name: str, version: str, edition: str, scos: list[str]
) -> None:
    manifest = parse_manifest(load(name))
    assert (manifest.version, manifest.edition, [s.id for s in manifest.scos]) == (version, edition, scos)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="x"><organizations/><resources>&xxe;</resources></manifest>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<manifest identifier="x"><organizations><organization identifier="o"><title>&lol3;</title></organization></organizations></manifest>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE manifest SYSTEM "http://attacker.example/evil.dtd">
<manifest identifier="x"/>"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(XXE, "DTDForbidden", id="external-entity"),
        pytest.param(LAUGHS, "DTDForbidden", id="billion-laughs"),
        pytest.param(EXTERNAL_DTD, "DTDForbidden", id="external-dtd"),
        pytest.param(b"<manifest><unclosed></manifest>", "not well-formed", id="malformed"),
        pytest.param(b"<html/>", "not <manifest>", id="not-a-manifest"),
        pytest.param(b"<manifest identifier='m'/>", "not a SCORM", id="no-scorm-version"),
        pytest.param(
            load("golf_12.xml").replace(b'identifierref="playing_res"', b'identifierref="missing"'),
            "refers to no resource",
            id="dangling-identifierref",
        ),
        pytest.param(
            load("cam13_2nd.xml").replace(b'scormType="sco"', b'scormType="asset"'), "no SCO", id="no-sco"
        ),
    ],
)
def test_manifest_hostile_or_broken_xml_is_refused_naming_the_problem(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidPackage) as caught:
        parse_manifest(data)
    assert reason in caught.value.message and caught.value.status_code == 400


def test_manifest_nesting_deeper_than_the_limit_is_refused() -> None:
    deep = "".join(f'<item identifier="i{n}">' for n in range(6)) + "</item>" * 6
    data = load("cam13_2nd.xml").replace(
        b"<title>SCO</title></item>", f"<title>SCO</title>{deep}</item>".encode()
    )
    parse_manifest(data, max_depth=10)
    with pytest.raises(InvalidPackage, match="nested deeper than 3"):
        parse_manifest(data, max_depth=3)
