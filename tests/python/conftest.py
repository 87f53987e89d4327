"""pytest set-up for the Python layers' tests.

- python/ goes on sys.path, so `import fa_versus` works from a checkout.
- The test modules skip themselves with the reason where torch >= 2.4 or the built extension is
  missing, unless FA_VERSUS_REQUIRE_EXT=1 (ctest sets it where CMake built the extension).
- FA_VERSUS_ALL_SKIPPED_EXIT=N: exit with N when tests ran but every one skipped, so ctest
  (SKIP_RETURN_CODE) reports the test as skipped rather than passed.
"""

import os
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
if str(REPO / "python") not in sys.path:
    sys.path.insert(0, str(REPO / "python"))

_outcomes = {"passed": 0, "skipped": 0, "failed": 0}


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[report.outcome] = _outcomes.get(report.outcome, 0) + 1


def pytest_collectreport(report):
    if report.skipped:  # a module-level skip (no torch, no extension)
        _outcomes["skipped"] += 1


def pytest_sessionfinish(session, exitstatus):
    code = os.environ.get("FA_VERSUS_ALL_SKIPPED_EXIT")
    if code and exitstatus in (0, 5) and _outcomes["skipped"] and not _outcomes["passed"]:
        session.exitstatus = int(code)
