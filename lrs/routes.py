"""The whole URL map."""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lrs import health, metrics_api
from lrs.admin import api as admin
from lrs.dashboard import pages as dashboard
from lrs.dashboard.rendering import DashboardErrors
from lrs.demo import api as demo
from lrs.openapi import pages as docs
from lrs.reports import api as reports
from lrs.scorm import api as scorm
from lrs.scorm import imports, launch_api, package_api, runtime, webhook_api
from lrs.xapi.api import about, activities, agents, documents, export, statements

xapi_routes = [
    Route("/statements", statements.StatementsResource),
    Route("/activities/state", documents.StateResource),
    Route("/activities/profile", documents.ActivityProfileResource),
    Route("/agents/profile", documents.AgentProfileResource),
    Route("/agents", agents.AgentsResource),
    Route("/activities", activities.ActivitiesResource),
    Route("/about", about.AboutResource),
]

scorm_routes = [
    Route("/commits", scorm.CommitsResource),
    Route("/launches", launch_api.LaunchesResource),
    Route("/runtime/v1/lrs-bridge-runtime.js", runtime.runtime_script, methods=["GET", "HEAD"]),
    Route("/packages", package_api.PackagesResource),
    Route("/packages/{id}", package_api.PackageResource),
    Route("/webhooks", webhook_api.WebhooksResource),
    Route("/webhooks/{id}", webhook_api.WebhookResource),
    Route("/outbox", webhook_api.OutboxResource),
    Route("/outbox/{id:path}/retry", webhook_api.OutboxRetryResource),
]

reports_routes: list[Route] = [
    Route("/enrollments", reports.enrollments, methods=["GET"]),
    Route("/attempts", reports.attempts, methods=["GET"]),
    Route("/attempts/{id}", reports.attempt, methods=["GET"]),
    Route("/time-spent", reports.time_spent, methods=["GET"]),
    Route("/attempt-counts", reports.attempt_counts, methods=["GET"]),
    Route("/learners/{learner:path}/courses", reports.learner_courses, methods=["GET"]),
    Route("/courses", reports.courses, methods=["GET"]),
    Route("/abandoned-attempts", reports.abandoned_attempts, methods=["GET"]),
    Route("/changes", reports.changes, methods=["GET"]),
]

admin_routes = [
    Route("/credentials", admin.CredentialsResource),
    Route("/credentials/{key}", admin.CredentialResource),
    Route("/credentials/{key}/rotate", admin.rotate, methods=["POST"]),
    Route("/whoami", admin.whoami, methods=["GET"]),
    # import and export (cli)
    Route("/imports", imports.create_import, methods=["POST"]),
    Route("/exports/statements", export.export_statements_ndjson, methods=["GET"]),
    # erasure (admin)
    Route("/learners/{learner_id:path}", admin.erase_learner, methods=["DELETE"]),
    Route("/agents", admin.erase_agent, methods=["DELETE"]),
]

dashboard_routes = [
    Route("/", dashboard.home, methods=["GET"]),
    Route("/login", dashboard.login_form, methods=["GET"]),
    Route("/login", dashboard.login, methods=["POST"]),
    Route("/logout", dashboard.logout, methods=["POST"]),
    Route("/courses", dashboard.courses, methods=["GET"]),
    Route("/courses/{course:path}", dashboard.course, methods=["GET"]),
    Route("/learners/{learner:path}", dashboard.learner, methods=["GET"]),
    Route("/attempts/{id}", dashboard.attempt, methods=["GET"]),
    Route("/statements", dashboard.statements, methods=["GET"]),
    Route("/credentials", dashboard.credentials_page, methods=["GET"]),
    Route("/credentials", dashboard.create_credential, methods=["POST"]),
    Route("/credentials/{key}/revoke", dashboard.revoke_credential, methods=["POST"]),
    Route("/system", dashboard.system, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=Path(__file__).parent / "static" / "dashboard")),
]

demo_routes = [
    Route("/", demo.index, methods=["GET"]),
    Route("/launch", demo.launch, methods=["GET"]),
    Route("/results", demo.results, methods=["GET"]),
    Route("/packages/{package}/{path:path}", demo.package_file, methods=["GET"]),
]

routes = [
    Route("/health/live", health.live, methods=["GET", "HEAD"]),
    Route("/health/ready", health.ready, methods=["GET", "HEAD"]),
    Mount("/xapi", routes=xapi_routes),
    Mount("/scorm", routes=scorm_routes),
    Mount("/reports", routes=reports_routes),
    Mount("/admin", routes=admin_routes),
    Mount("/dashboard", routes=dashboard_routes, middleware=[Middleware(DashboardErrors)]),
    # ops: the API description, its documentation page (with Swagger UI's files), metrics
    Route("/openapi.json", docs.openapi_json, methods=["GET"]),
    Route("/docs", docs.docs_page, methods=["GET"]),
    Mount("/docs/static", app=docs.static_files(), name="docs-static"),
    Route("/metrics", metrics_api.metrics, methods=["GET"]),
    Mount("/demo", routes=demo_routes),
]
