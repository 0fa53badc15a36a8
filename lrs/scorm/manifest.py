"""imsmanifest.xml -> what the bridge needs of a package (SCORM 1.2 CAM 2; SCORM 2004 CAM 3, SN 5).

Parsed with defusedxml refusing any DOCTYPE (so no entity expansion, no external DTD or entity;
SCORM manifests are schema-validated and carry none), matching elements and
attributes by local name, so any namespace prefix (and the several namespace URIs of 1.2 and the
2004 editions) parses. A SCO is an item whose resource is `scormtype="sco"` (its id is the item's
identifier); a package without organizations makes each SCO resource a SCO of its own.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from lrs.errors import InvalidPackage

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
EDITIONS = {
    "1.2": "1.2",
    "cam 1.3": "2004 2nd Edition",
    "2004 2nd edition": "2004 2nd Edition",
    "2004 3rd edition": "2004 3rd Edition",
    "2004 4th edition": "2004 4th Edition",
}


@dataclass(frozen=True)
class RollupRule:
    """One imsss:rollupRule: when `child_set` of the children meet the conditions, `action`."""

    child_set: str  # all | any | none | atLeastCount | atLeastPercent
    minimum_count: int
    minimum_percent: float
    combination: str  # all | any
    conditions: tuple[tuple[str, bool], ...]  # (condition, negated)
    action: str  # satisfied | notSatisfied | completed | incomplete


@dataclass(frozen=True)
class Rollup:
    """An item's imsss:rollupRules: whether it counts in its parent's rollup, and its own rules."""

    objective_satisfied: bool = True
    progress_completion: bool = True
    measure_weight: float = 1.0
    rules: tuple[RollupRule, ...] = ()


@dataclass(frozen=True)
class Item:
    """An activity of an organization: a SCO (`sco` = its id) or a cluster of children."""

    identifier: str
    title: str
    sco: str | None
    children: tuple[Item, ...]
    rollup: Rollup = field(default_factory=Rollup)


@dataclass(frozen=True)
class ManifestObjective:
    id: str
    primary: bool


@dataclass(frozen=True)
class ManifestSco:
    id: str
    title: str
    resource: str
    href: str
    mastery_score: float | None = None
    launch_data: str = ""
    max_time_allowed: str = ""
    time_limit_action: str = ""
    scaled_passing_score: float | None = None
    completion_threshold: float | None = None
    objectives: tuple[ManifestObjective, ...] = ()


@dataclass(frozen=True)
class Manifest:
    identifier: str
    title: str
    version: Literal["1.2", "2004"]
    edition: str | None
    default_organization: str | None
    organizations: tuple[Item, ...]
    scos: tuple[ManifestSco, ...]


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _kids(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [c for c in element if isinstance(c.tag, str) and _local(c.tag).lower() == name.lower()]


def _kid(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    found = _kids(element, name)
    return found[0] if found else None


def _attr(element: ElementTree.Element, name: str, default: str = "") -> str:
    for key, value in element.attrib.items():
        if _local(key).lower() == name.lower():
            return value.strip()
    return default


def _text(element: ElementTree.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _number(text: str, what: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidPackage(f"imsmanifest.xml: {what} {text!r} is not a number") from None


def _flag(text: str, default: bool) -> bool:
    return default if not text else text.lower() == "true"


def _walk(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    yield element
    for child in element:
        if isinstance(child.tag, str):
            yield from _walk(child)


def parse_xml(data: bytes) -> ElementTree.Element:
    """The manifest's root element; InvalidPackage for entities, external references or bad XML."""
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidPackage(
            f"imsmanifest.xml: refused ({type(exc).__name__}: document type declarations, entities "
            "and external references are not allowed)"
        ) from None
    except ElementTree.ParseError as exc:
        raise InvalidPackage(f"imsmanifest.xml: not well-formed XML ({exc})") from None
    if _local(root.tag) != "manifest":
        raise InvalidPackage(f"imsmanifest.xml: the root element is <{_local(root.tag)}>, not <manifest>")
    return root


def _edition(root: ElementTree.Element) -> tuple[Literal["1.2", "2004"], str | None]:
    metadata = _kid(root, "metadata")
    stated = _text(_kid(metadata, "schemaversion")) if metadata is not None else ""
    edition = EDITIONS.get(stated.lower())
    if edition == "1.2":
        return "1.2", edition
    if edition is not None:
        return "2004", edition
    namespaces = {el.tag.split("}")[0] for el in _walk(root) if el.tag.startswith("{")}
    namespaces |= {k.split("}")[0] for el in _walk(root) for k in el.attrib if k.startswith("{")}
    if any("adlcp_rootv1p2" in ns or "imscp_rootv1p1p2" in ns for ns in namespaces):
        return "1.2", "1.2"
    if any("v1p3" in ns or "imsss" in ns for ns in namespaces):
        return "2004", None
    raise InvalidPackage(
        f"imsmanifest.xml: not a SCORM 1.2 or 2004 manifest (schemaversion {stated!r}, no ADL namespace)"
    )


def _join(*parts: str) -> str:
    path = ""
    for part in parts:
        if not part:
            continue
        path = part if not path or "://" in part or part.startswith("/") else posixpath.join(path, part)
    return path


def _launch_href(href: str, parameters: str) -> str:
    """CAM: the item's parameters appended to the resource href ("?a" after a "?" becomes "&a")."""
    if not parameters:
        return href
    if parameters[0] not in "?#&":
        parameters = "?" + parameters
    if parameters.startswith("?") and "?" in href:
        parameters = "&" + parameters[1:]
    return href + parameters


@dataclass
class _Context:
    version: Literal["1.2", "2004"]
    resources: dict[str, tuple[str, bool]]  # identifier -> (href, is a sco)
    max_depth: int
    scos: dict[str, ManifestSco] = field(default_factory=dict)


def _resources(root: ElementTree.Element) -> dict[str, tuple[str, bool]]:
    base = _attr(root, "base")
    found: dict[str, tuple[str, bool]] = {}
    for group in _kids(root, "resources"):
        group_base = _join(base, group.get(XML_BASE, ""))
        for resource in _kids(group, "resource"):
            identifier = _attr(resource, "identifier")
            if not identifier:
                raise InvalidPackage("imsmanifest.xml: a <resource> has no identifier")
            href = _join(group_base, resource.get(XML_BASE, ""), _attr(resource, "href"))
            found[identifier] = (href, _attr(resource, "scormtype").lower() == "sco")
    return found


def _rollup(sequencing: ElementTree.Element | None) -> Rollup:
    rules_el = _kid(sequencing, "rollupRules") if sequencing is not None else None
    if rules_el is None:
        return Rollup()
    rules = []
    for rule in _kids(rules_el, "rollupRule"):
        conditions_el = _kid(rule, "rollupConditions")
        conditions = tuple(
            (_attr(c, "condition"), _attr(c, "operator") == "not")
            for c in (_kids(conditions_el, "rollupCondition") if conditions_el is not None else [])
        )
        action = _kid(rule, "rollupAction")
        rules.append(
            RollupRule(
                child_set=_attr(rule, "childActivitySet", "all"),
                minimum_count=int(_number(_attr(rule, "minimumCount"), "minimumCount") or 0),
                minimum_percent=_number(_attr(rule, "minimumPercent"), "minimumPercent") or 0.0,
                combination=_attr(conditions_el, "conditionCombination", "any")
                if conditions_el is not None
                else "any",
                conditions=conditions,
                action=_attr(action, "action") if action is not None else "",
            )
        )
    weight = _number(_attr(rules_el, "objectiveMeasureWeight"), "objectiveMeasureWeight")
    return Rollup(
        objective_satisfied=_flag(_attr(rules_el, "rollupObjectiveSatisfied"), True),
        progress_completion=_flag(_attr(rules_el, "rollupProgressCompletion"), True),
        measure_weight=1.0 if weight is None else weight,
        rules=tuple(rules),
    )


def _objectives(sequencing: ElementTree.Element | None) -> tuple[tuple[ManifestObjective, ...], float | None]:
    """The item's objectives (those with an id) and its scaled passing score (primary objective
    satisfied by measure: its minNormalizedMeasure, default 1.0)."""
    objectives_el = _kid(sequencing, "objectives") if sequencing is not None else None
    if objectives_el is None:
        return (), None
    found: list[ManifestObjective] = []
    passing = None
    for element in objectives_el:
        if not isinstance(element.tag, str) or _local(element.tag) not in ("primaryObjective", "objective"):
            continue
        primary = _local(element.tag) == "primaryObjective"
        if _attr(element, "objectiveID"):
            found.append(ManifestObjective(_attr(element, "objectiveID"), primary))
        if primary and _flag(_attr(element, "satisfiedByMeasure"), False):
            measure = _number(_text(_kid(element, "minNormalizedMeasure")), "minNormalizedMeasure")
            passing = 1.0 if measure is None else measure
    return tuple(found), passing


def _completion_threshold(item: ElementTree.Element) -> float | None:
    element = _kid(item, "completionThreshold")
    if element is None:
        return None
    if _text(element):  # 3rd edition: the threshold as content
        return _number(_text(element), "completionThreshold")
    if _flag(_attr(element, "completedByMeasure"), False):  # 4th edition: attributes
        return _number(_attr(element, "minProgressMeasure"), "minProgressMeasure") or 1.0
    return None


def _sco(item: ElementTree.Element, identifier: str, title: str, resource: str, ctx: _Context) -> ManifestSco:
    sequencing = _kid(item, "sequencing")
    objectives, passing = _objectives(sequencing)
    limits = _kid(sequencing, "limitConditions") if sequencing is not None else None
    max_time = _text(_kid(item, "maxtimeallowed"))
    if not max_time and limits is not None:
        max_time = _attr(limits, "attemptAbsoluteDurationLimit")
    href = ctx.resources[resource][0]
    return ManifestSco(
        id=identifier,
        title=title,
        resource=resource,
        href=_launch_href(href, _attr(item, "parameters")),
        mastery_score=_number(_text(_kid(item, "masteryscore")), "adlcp:masteryscore"),
        launch_data=_text(_kid(item, "datafromlms")),
        max_time_allowed=max_time,
        time_limit_action=_text(_kid(item, "timelimitaction")),
        scaled_passing_score=passing,
        completion_threshold=_completion_threshold(item),
        objectives=objectives,
    )


def _item(element: ElementTree.Element, ctx: _Context, depth: int) -> Item:
    if depth > ctx.max_depth:
        raise InvalidPackage(
            f"imsmanifest.xml: items nested deeper than {ctx.max_depth} levels (LRS_PACKAGE_MAX_DEPTH)"
        )
    identifier = _attr(element, "identifier")
    if not identifier:
        raise InvalidPackage("imsmanifest.xml: an <item> has no identifier")
    title = _text(_kid(element, "title"))
    ref = _attr(element, "identifierref")
    sco = None
    if ref:
        if ref not in ctx.resources:
            raise InvalidPackage(f"imsmanifest.xml: item {identifier!r} refers to no resource {ref!r}")
        if ctx.resources[ref][1]:
            sco = identifier
            ctx.scos[identifier] = _sco(element, identifier, title, ref, ctx)
    children = tuple(_item(child, ctx, depth + 1) for child in _kids(element, "item"))
    return Item(identifier, title, sco, children, _rollup(_kid(element, "sequencing")))


def parse_manifest(data: bytes, max_depth: int = 32) -> Manifest:
    """The package a manifest describes; InvalidPackage naming the first problem."""
    root = parse_xml(data)
    version, edition = _edition(root)
    ctx = _Context(version, _resources(root), max_depth)
    organizations_el = _kid(root, "organizations")
    organizations: list[Item] = []
    default = None
    if organizations_el is not None:
        default = _attr(organizations_el, "default") or None
        for org in _kids(organizations_el, "organization"):
            identifier = _attr(org, "identifier")
            children = tuple(_item(child, ctx, 1) for child in _kids(org, "item"))
            rollup = _rollup(_kid(org, "sequencing"))
            organizations.append(Item(identifier, _text(_kid(org, "title")), None, children, rollup))
    if not organizations:  # resource-only package: each SCO resource is a SCO of its own
        items = []
        for identifier, (href, is_sco) in ctx.resources.items():
            if is_sco:
                ctx.scos[identifier] = ManifestSco(identifier, identifier, identifier, href)
                items.append(Item(identifier, identifier, identifier, ()))
        organizations.append(Item("", "", None, tuple(items)))
    if not ctx.scos:
        raise InvalidPackage('imsmanifest.xml: no SCO (no resource with scormtype="sco" in any organization)')
    if default is None or default not in {o.identifier for o in organizations}:
        default = organizations[0].identifier
    title = next((o.title for o in organizations if o.identifier == default), "")
    return Manifest(
        identifier=_attr(root, "identifier"),
        title=title,
        version=version,
        edition=edition,
        default_organization=default,
        organizations=tuple(organizations),
        scos=tuple(ctx.scos.values()),
    )
