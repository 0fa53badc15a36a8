"""The demo's launches: a test package registered like an LMS registers one (POST /scorm/packages'
service), then a demo learner launched into one of its SCOs (POST /scorm/launches' service)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrs.demo.catalog import DEMO_LEARNER_PREFIX, DemoPackage
from lrs.errors import InvalidParameter
from lrs.scorm.launches import LaunchContext, LaunchIn, start_launch
from lrs.scorm.manifest import parse_manifest
from lrs.scorm.models import Course, Learner
from lrs.scorm.package_zip import PackageLimits
from lrs.scorm.packages import find_package, package_sco, register_package
from lrs.settings import Settings
from lrs.signing import Signer
from lrs.storage import Database

CREDENTIAL = "lrs-bridge-demo"  # the authority of the demo's statements


@dataclass(frozen=True)
class DemoCourse:
    """What the start page shows of a package: its name, title, version and SCOs (id, title)."""

    name: str
    title: str
    version: str
    scos: tuple[tuple[str, str], ...]


def describe(package: DemoPackage, depth: int) -> DemoCourse:
    """The package's manifest, read by the bridge's own manifest parser."""
    manifest = parse_manifest(package.manifest(), depth)
    scos = tuple((s.id, s.title) for s in manifest.scos)
    return DemoCourse(package.name, manifest.title or package.name, manifest.version, scos)


def demo_learner(learner_id: str, name: str) -> Learner:
    """A demo learner: ids start with "demo-", so the demo can never write a real learner's progress."""
    if not learner_id.startswith(DEMO_LEARNER_PREFIX) or len(learner_id) > 64:
        raise InvalidParameter(f"demo learner ids start with {DEMO_LEARNER_PREFIX!r}", field="learner")
    return Learner(id=learner_id, name=name or "Demo Learner")


@dataclass(frozen=True)
class DemoLaunch:
    """Everything the launcher page needs: the course, where its packages come from, the services."""

    db: Database
    limits: PackageLimits
    signer: Signer
    token_ttl_s: float
    base_url: str
    settings: Settings


async def launch_demo(
    ctx: DemoLaunch, package: DemoPackage, sco_id: str | None, learner: Learner, new_attempt: bool
) -> tuple[dict[str, Any], DemoCourse]:
    """Register the package (idempotent) and launch one SCO (the first when none is named)."""
    course = describe(package, ctx.limits.depth)
    registered, _ = await register_package(
        ctx.db, package.manifest(), package.course_id, course.title, ctx.limits
    )
    chosen = sco_id or course.scos[0][0]
    spec = package_sco(await find_package(ctx.db, registered["id"]), package.course_id, chosen)
    launch = LaunchIn(
        learner=learner,
        course=Course(id=package.course_id, title=course.title),
        package=registered["id"],
        sco=spec.id,
        new_attempt=new_attempt,
    )
    context = LaunchContext(
        CREDENTIAL, "lrs-bridge demo", ctx.signer, ctx.token_ttl_s, ctx.base_url, ctx.settings
    )
    return await start_launch(ctx.db, launch, spec, context), course
