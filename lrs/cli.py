"""The lrs-bridge command: serve, credentials, import."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from lrs.credentials import ALL_SCOPES, create_credential, list_credentials, revoke_credential
from lrs.errors import LrsError
from lrs.settings import Settings
from lrs.storage import Database, open_database
from lrs.storage.indexes import create_indexes


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    workers = args.workers or settings.workers
    if workers > 1 and settings.mongodb_url is None:
        print(
            "error: --workers > 1 needs LRS_MONGODB_URL: each worker would hold its own in-memory store",
            file=sys.stderr,
        )
        return 2
    uvicorn.run(
        "lrs.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=False,  # X-Forwarded-For is honoured per LRS_TRUSTED_PROXIES, by the service
        server_header=False,
    )
    return 0


async def _with_db(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    if settings.mongodb_url is None:
        print(
            "warning: LRS_MONGODB_URL is not set, so this command works on a throw-away in-memory store; "
            "set LRS_DEFAULT_API_KEY/LRS_DEFAULT_API_SECRET for a server on the in-memory store",
            file=sys.stderr,
        )
    db = open_database(settings)
    try:
        await create_indexes(db)
        return await work(db)
    finally:
        await db.close()


def _credentials(args: argparse.Namespace, settings: Settings) -> int:
    async def create(db: Database) -> int:
        scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
        credential, secret = await create_credential(db, args.name, scopes, key=args.key, secret=args.secret)
        print(f"key:    {credential.key}\nsecret: {secret}\nscopes: {','.join(credential.scopes)}")
        print("the secret is stored hashed and cannot be shown again", file=sys.stderr)
        return 0

    async def list_(db: Database) -> int:
        for c in await list_credentials(db):
            state = "revoked" if c.revoked else "active"
            print(f"{c.key}\t{c.name}\t{state}\t{','.join(c.scopes)}\t{c.created.isoformat()}")
        return 0

    async def revoke(db: Database) -> int:
        await revoke_credential(db, args.key)
        print(f"revoked {args.key}")
        return 0

    work = {"create": create, "list": list_, "revoke": revoke}[args.action]
    return asyncio.run(_with_db(settings, work))


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from lrs.scorm.importer import run_import

    async def work(db: Database) -> int:
        return await run_import(db, settings, args.file, dry_run=args.dry_run, out=sys.stdout)

    return asyncio.run(_with_db(settings, work))


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="lrs-bridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the service with uvicorn")
    serve.add_argument("--host", default=None, help="address to bind (default LRS_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default LRS_PORT or 8000)")
    serve.add_argument("--workers", type=int, default=None, help="worker processes (needs MongoDB when > 1)")
    serve.set_defaults(run=_serve)

    creds = sub.add_parser("credentials", help="manage API credentials")
    actions = creds.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a credential (or update the one with --key)")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", default="all", help=f"comma-separated, of: {','.join(ALL_SCOPES)}")
    create.add_argument("--key", default=None, help="choose the key (default: random)")
    create.add_argument("--secret", default=None, help="choose the secret (default: random)")
    actions.add_parser("list", help="list credentials (never their secrets)")
    revoke = actions.add_parser("revoke", help="revoke a credential")
    revoke.add_argument("key")
    creds.set_defaults(run=_credentials)

    imp = sub.add_parser("import", help="import the LMS's legacy progress export (CSV or JSON lines)")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show what would be imported, change nothing")
    imp.set_defaults(run=_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the lrs-bridge console command."""
    args = build_parser().parse_args(argv)
    settings = Settings()
    run: Callable[[argparse.Namespace, Settings], Any] = args.run
    try:
        return int(run(args, settings))
    except LrsError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
