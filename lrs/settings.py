"""Settings: the only reader of LRS_* environment variables (and of a .env file)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; each field is documented in config/env.example."""

    model_config = SettingsConfigDict(
        env_prefix="LRS_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    # storage
    mongodb_url: SecretStr | None = None
    mongodb_database: str = "lrs"
    # MongoDB durability (README "MongoDB"): writes acknowledged by a majority (journaled), reads of
    # majority-committed data from the primary, so nothing acknowledged is lost on a failover
    mongodb_write_concern: str = "majority"
    mongodb_read_concern: Literal["local", "available", "majority", "linearizable"] = "majority"
    mongodb_read_preference: Literal[
        "primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"
    ] = "primary"
    # how long one operation waits for a reachable server before answering 503
    mongodb_server_selection_timeout_ms: int = Field(default=5000, ge=100)

    # serving
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"

    # credentials created (or updated) with every scope at startup
    default_api_key: str | None = None
    default_api_secret: SecretStr | None = None
    # key that signs every token leaving the server (more links, launch tokens, cookies, postbacks);
    # every instance must share it. Unset: one is generated once and kept in the database.
    secret_key: SecretStr | None = None
    # seconds a verified credential is trusted before the store is asked again (0 = every request)
    auth_cache_seconds: float = 5.0
    # longest label of a credential created through the admin API
    credential_label_max_chars: int = 200
    # failed logins allowed per credential key / per client address within one window (0 = no limit);
    # over the limit: 429 with Retry-After until the window ends. Counted in the database.
    auth_max_failures_per_key: int = Field(default=100, ge=0)
    auth_max_failures_per_address: int = Field(default=20, ge=0)
    auth_failure_window_seconds: int = Field(default=300, ge=1)
    # an address that logged in with a key is exempt from that key's limit (not its own) this long
    auth_known_client_seconds: int = Field(default=86_400, ge=0)
    # threads that check secrets (scrypt, off the event loop; one leaves the other cores to the event
    # loop, and concurrent requests with one credential share one check), and checks allowed to wait
    # for a thread before further ones are answered 503 with Retry-After
    auth_hash_threads: int = Field(default=1, ge=1)
    auth_hash_queue: int = Field(default=32, ge=0)

    # browsers: origins allowed to call the API cross-origin (exact origins; [] = none, "*" = any)
    cors_origins: list[str] = Field(default_factory=list)
    # proxies whose X-Forwarded-For is honoured (IPs or CIDRs)
    trusted_proxies: list[str] = Field(default_factory=list)

    # limits (answered with 413)
    max_body_bytes: int = 20 * 1024 * 1024
    max_batch_statements: int = 1000
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_document_bytes: int = 1024 * 1024
    # input bounds, checked before anything is stored (answered with 400 naming the limit)
    # deepest JSON nesting accepted in a statement batch, a JSON document or a commit body (MongoDB
    # stores at most 100 levels, and a stored statement or audited commit sits two levels down)
    max_json_depth: int = Field(default=64, ge=2, le=90)
    # longest duration accepted: xAPI result.duration, CMI session_time/total_time/latency, report idle
    max_duration_seconds: float = 100 * 365 * 86400
    # largest magnitude of an open-ended CMI decimal (SCORM 2004 score.raw/min/max, weighting, ...)
    max_cmi_number: float = 1e15
    # statements returned per page when the client asks for none (or for more)
    statement_page_size: int = 100

    # SCORM bridge
    lms_homepage: str = "https://lms.example.com"
    activity_iri_base: str = "https://lms.example.com/xapi"
    # idle gaps longer than this are not counted when a session's time is measured from its commits
    idle_gap_seconds: float = 1800.0
    max_commits_per_batch: int = 500

    # SCORM launches (issue 9)
    # seconds a launch token stays valid (a commit queued offline for longer is refused with 401)
    launch_token_seconds: float = 14400.0
    # the bridge's base URL as browsers reach it, for commit_url/runtime_url in launch answers
    # (unset: the URL the LMS called the bridge on)
    public_url: str | None = None
    # packages: the largest imsmanifest.xml read, the largest unpacked size a zip may declare (zip
    # bombs), and how deep organizations may nest
    package_max_manifest_bytes: int = 4 * 1024 * 1024
    package_max_unpacked_bytes: int = 2 * 1024 * 1024 * 1024
    package_max_depth: int = 32

    # import and export (POST /admin/imports, GET /admin/exports/statements, CSV reports)
    # legacy rows per POST /admin/imports request (413 above)
    max_import_rows_per_batch: int = Field(default=500, ge=1)
    # imported first/last access dates before this day are refused as out of range
    import_earliest_date: date = date(2000, 1, 1)
    # imported attempt counts above this are refused as out of range
    import_max_attempts: int = 10_000
    # statements read from the store per page while an export streams (memory stays flat)
    export_page_size: int = Field(default=1000, ge=1)
    # report rows computed per chunk while a CSV report streams
    report_csv_chunk_rows: int = Field(default=10000, ge=1)
    # dashboard (server-rendered pages under /dashboard)
    dashboard_enabled: bool = True
    # seconds a dashboard sign-in lasts
    dashboard_session_seconds: float = 8 * 3600
    # mark the session cookie Secure even when the request looks like plain HTTP (behind a TLS proxy)
    dashboard_secure_cookies: bool = False
    # rows per page of the dashboard's tables
    dashboard_page_size: int = 50

    # operations: metrics and logs
    # who may read /metrics: "scope" (a credential with the metrics or admin scope) or "none" (anyone)
    metrics_auth: Literal["scope", "none"] = "scope"
    # access log: agent/learner identifiers as a SHA-256 prefix (false: as sent)
    log_hash_agents: bool = True
    # longest X-Request-ID taken from a client (longer or unusual ones are replaced by a new id)
    request_id_max_length: int = Field(default=128, ge=1)
    # postbacks: each process runs a worker delivering outbox rows to the LMS's webhooks
    postback_enabled: bool = True
    # how often an idle worker looks for due rows (a commit in the same process wakes it at once)
    postback_poll_seconds: float = 2.0
    # how long a receiver may take to answer; the lease (longer) keeps other workers off a row
    postback_timeout_seconds: float = 10.0
    postback_lease_seconds: float = 60.0
    # failures before a row is parked; retry delay = backoff * 2^(failures-1), at most backoff_max
    postback_max_attempts: int = 10
    postback_backoff_seconds: float = 5.0
    postback_backoff_max_seconds: float = 3600.0
    # GET /reports/changes leaves out changes younger than this (commits still being written)
    change_feed_lag_seconds: float = 5.0
    # demo (issue 9 §5): /demo launches the project's SCORM test packages for demo learners ("demo-..."
    # ids) in the browser; off unless true. Never turn it on where real learners use the bridge.
    demo: bool = False
    # the folder of test packages the demo serves (unset: tests/packages of the source checkout)
    demo_packages_dir: str | None = None

    # SCORM commits: limits checked before a commit is merged (413 naming the limit and the element)
    max_commit_cmi_bytes: int = 512 * 1024
    max_attempt_cmi_bytes: int = 2 * 1024 * 1024
    max_interactions_per_attempt: int = 1000
    max_objectives_per_attempt: int = 1000
    # SCORM audit log (GET /scorm/commits): most rows per page, and days a row is kept (0 = forever)
    audit_page_max: int = 1000
    audit_retention_days: int = 0
