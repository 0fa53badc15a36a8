"""The manifest of an uploaded package: the body itself, or imsmanifest.xml read from a zip.

Only the manifest is decompressed, and only up to its limit; the zip's declared unpacked size is
bounded (a zip bomb is refused before anything is read) and every entry name is checked for
zip-slip (absolute paths, drive letters, `..` components), since the LMS will unpack the same zip.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from lrs.errors import InvalidPackage, PayloadTooLarge

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class PackageLimits:
    """LRS_PACKAGE_MAX_MANIFEST_BYTES, LRS_PACKAGE_MAX_UNPACKED_BYTES, LRS_PACKAGE_MAX_DEPTH."""

    manifest_bytes: int
    unpacked_bytes: int
    depth: int


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in path.split("/")


def _too_large(what: str, size: int, limit: int, setting: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"{what}: {size} bytes; the limit is {limit} ({setting})", field="package", limit=limit
    )


def manifest_of_zip(body: bytes, limits: PackageLimits) -> bytes:
    """imsmanifest.xml of a zipped package; 400/413 naming the problem."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise InvalidPackage(f"package: not a readable zip ({exc})") from None
    with archive:
        entries = archive.infolist()
        for entry in entries:
            if _unsafe(entry.filename):
                raise InvalidPackage(
                    f"package: entry {entry.filename!r} escapes the package folder (zip-slip)"
                )
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > limits.unpacked_bytes:
            raise _too_large(
                "package: unpacked size (zip bomb?)",
                unpacked,
                limits.unpacked_bytes,
                "LRS_PACKAGE_MAX_UNPACKED_BYTES",
            )
        found = [e for e in entries if e.filename.replace("\\", "/").lower() == "imsmanifest.xml"]
        if not found:
            raise InvalidPackage("package: no imsmanifest.xml at the root of the zip")
        entry = found[0]
        if entry.file_size > limits.manifest_bytes:
            raise _too_large(
                "imsmanifest.xml", entry.file_size, limits.manifest_bytes, "LRS_PACKAGE_MAX_MANIFEST_BYTES"
            )
        try:
            with archive.open(entry) as stream:
                data = stream.read(limits.manifest_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as exc:
            raise InvalidPackage(f"package: imsmanifest.xml cannot be read ({exc})") from None
    if len(data) > limits.manifest_bytes:  # the entry lied about its size
        raise _too_large(
            "imsmanifest.xml (decompressed)",
            len(data),
            limits.manifest_bytes,
            "LRS_PACKAGE_MAX_MANIFEST_BYTES",
        )
    return data


def manifest_bytes(body: bytes, limits: PackageLimits) -> bytes:
    """The manifest of an upload: a zip's imsmanifest.xml, or the body when it is the manifest."""
    if not body.strip():
        raise InvalidPackage("package: the body is empty (send imsmanifest.xml or the package zip)")
    if body[:4] in ZIP_MAGIC:
        return manifest_of_zip(body, limits)
    if len(body) > limits.manifest_bytes:
        raise _too_large(
            "imsmanifest.xml", len(body), limits.manifest_bytes, "LRS_PACKAGE_MAX_MANIFEST_BYTES"
        )
    return body
