"""Hypothesis budget for the hardening suites, and the count of generated inputs they tried.

The "lrs" profile keeps the whole suite fast (50 examples per property, no deadline, derandomized so a
CI run is reproducible, no example database written to the tree). HYPOTHESIS_PROFILE=deep runs 20x
as many random examples for a local hunt.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "lrs",
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "lrs"))

# "requests": generated inputs sent; "5xx": answers >= 500 seen (the suites assert it stays 0)
TRIED: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TRIED:
        terminalreporter.write_line(
            "hardening: {} generated requests ({} fuzz, {} read-back), {} answered 5xx".format(
                TRIED["fuzz"] + TRIED["read-back"], TRIED["fuzz"], TRIED["read-back"], TRIED["5xx"]
            )
        )
        classes = sorted(k for k in TRIED if k.startswith("fuzz ") and k.endswith("xx"))
        terminalreporter.write_line(
            "hardening: fuzz answers " + ", ".join(f"{k[5:]} {TRIED[k]}" for k in classes)
        )
