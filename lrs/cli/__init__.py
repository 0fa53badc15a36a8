"""The lrs-bridge command line (Click): `serve` here, everything else over HTTP."""

from lrs.cli.main import cli, main

__all__ = ["cli", "main"]
