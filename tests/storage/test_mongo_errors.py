"""Driver errors are mapped once, in storage/mongo.py: encoding errors of the driver (not PyMongoError)
and the server's "too large" refusals answer 413/422 with a message, never a raw 500."""

from __future__ import annotations

import asyncio

import pytest
from bson.errors import InvalidDocument
from pymongo.errors import DocumentTooLarge, OperationFailure, WriteError

from lrs.errors import InvalidRequest, LrsError, PayloadTooLarge, StorageError
from lrs.storage.mongo import _mapped


def mapped(exc: Exception) -> LrsError:
    async def run() -> None:
        async with _mapped("scorm_attempts"):
            raise exc

    with pytest.raises(LrsError) as caught:
        asyncio.run(run())
    return caught.value


@pytest.mark.parametrize(
    ("exc", "kind", "status"),
    [
        pytest.param(
            DocumentTooLarge("BSON document too large"), PayloadTooLarge, 413, id="document-too-large"
        ),
        pytest.param(
            InvalidDocument("key '\\x00' must not contain NUL"), InvalidRequest, 422, id="invalid-document"
        ),
        pytest.param(
            WriteError("Resulting document after update is larger than 16777216", 17419),
            PayloadTooLarge,
            413,
            id="update-result-too-large",
        ),
        pytest.param(
            OperationFailure("BSONObjectTooLarge", 10334), PayloadTooLarge, 413, id="object-too-large"
        ),
        pytest.param(OperationFailure("something else", 2), StorageError, 500, id="other-failure"),
    ],
)
def test_mongo_errors_map_to_clear_answers(exc: Exception, kind: type[LrsError], status: int) -> None:
    error = mapped(exc)
    assert type(error) is kind and error.status_code == status
    assert error.message.startswith("scorm_attempts: ") and error.__cause__ is exc
