"""The start-up report of `lrs-bridge serve` and the warnings for settings left at example values."""

from __future__ import annotations

from lrs.startup_report import example_value_warnings, startup_lines
from tests.support import make_settings


def test_startup_lines_name_store_credential_and_urls_never_secrets() -> None:
    settings = make_settings(
        mongodb_url="mongodb://lrs:db-password@mongodb:27017/lrs",
        default_api_key="lms",
        default_api_secret="api-secret",
        lms_homepage="https://lms.school.edu",
        activity_iri_base="https://lms.school.edu/xapi",
    )
    text = "\n".join(startup_lines(settings, "0.0.0.0", 9000, 4))
    assert "MongoDB, database 'lrs'" in text
    assert "'lms'" in text and "scorm/commit" in text
    assert "http://127.0.0.1:9000/docs" in text and "http://127.0.0.1:9000/openapi.json" in text
    assert "workers:     4, listening on 0.0.0.0:9000" in text
    assert "WARNING" not in text
    assert "db-password" not in text and "api-secret" not in text


def test_startup_lines_warn_about_the_memory_store_and_a_missing_credential() -> None:
    settings = make_settings(default_api_key=None, default_api_secret=None)
    text = "\n".join(startup_lines(settings, "127.0.0.1", 8000, 1))
    assert "credential:  none" in text
    assert "WARNING: LRS_MONGODB_URL is not set" in text


def test_example_values_are_warned_about_one_setting_each() -> None:
    warnings = example_value_warnings(make_settings(activity_iri_base="https://lms.school.edu/xapi"))
    assert len(warnings) == 1 and warnings[0].startswith("LRS_LMS_HOMEPAGE is still the example value")
