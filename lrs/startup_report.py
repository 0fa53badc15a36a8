"""What `lrs-bridge serve` prints at start-up (version, store, credential, URLs), and the settings left at
example values."""

from __future__ import annotations

from lrs import __version__
from lrs.credentials import ALL_SCOPES
from lrs.settings import Settings
from lrs.storage import MEMORY_WARNING

EXAMPLE_HOST = "lms.example.com"


def example_value_warnings(settings: Settings) -> list[str]:
    """One warning per setting still at its example value (learners' agents and IRIs would be minted from it)."""
    warnings = []
    for name, value in (
        ("LRS_LMS_HOMEPAGE", settings.lms_homepage),
        ("LRS_ACTIVITY_IRI_BASE", settings.activity_iri_base),
    ):
        if EXAMPLE_HOST in value:
            warnings.append(
                f"{name} is still the example value {value!r}: set it to your LMS's address before storing "
                "real data (learner agents and activity IRIs are built from it and cannot be changed later)"
            )
    return warnings


def _browsable(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)


def startup_lines(settings: Settings, host: str, port: int, workers: int) -> list[str]:
    """The start-up report: version, store, default credential (never its secret), URLs, warnings."""
    base = f"http://{_browsable(host)}:{port}"
    if settings.mongodb_url is None:
        store = "embedded in-memory store (NOTHING PERSISTS)"
    else:
        store = f"MongoDB, database {settings.mongodb_database!r}"
    if settings.default_api_key and settings.default_api_secret:
        credential = f"{settings.default_api_key!r} (created or updated now; scopes: {', '.join(ALL_SCOPES)})"
    else:
        credential = "none (set LRS_DEFAULT_API_KEY and LRS_DEFAULT_API_SECRET to have one created)"
    metrics = "needs the metrics or admin scope" if settings.metrics_auth == "scope" else "open to anyone"
    lines = [
        f"lrs-bridge {__version__}",
        f"  store:       {store}",
        f"  credential:  {credential}",
        f"  workers:     {workers}, listening on {host}:{port}",
        f"  docs:        {base}/docs  (OpenAPI: {base}/openapi.json)",
        f"  xAPI:        {base}/xapi/  SCORM: {base}/scorm/commits  reports: {base}/reports/",
        f"  health:      {base}/health/ready  metrics: {base}/metrics ({metrics})",
    ]
    warnings = example_value_warnings(settings)
    if settings.mongodb_url is None:
        warnings.insert(0, MEMORY_WARNING)
    lines += [f"WARNING: {w}" for w in warnings]
    return lines
