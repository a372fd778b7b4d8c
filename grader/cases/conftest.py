"""Run the graded cases as ordinary pytest tests: ``pytest grader/cases [--student-dir DIR]``.

``student`` is the reference ``solutions`` (every case must pass) or, with ``--student-dir DIR``,
the ``<module>.py`` files of DIR, loaded in this process: trusted code only (your own working
copy); ``embedlab grade`` is what runs untrusted submissions, in a sandbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import casekit


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--student-dir", default=None, metavar="DIR",
                     help="run the cases against the module files in DIR instead of solutions/")


def pytest_configure(config: pytest.Config) -> None:
    casekit.register_markers(config)


@pytest.fixture(scope="session")
def ref():
    return casekit.reference("solutions")


@pytest.fixture(scope="session")
def _student_modules(pytestconfig: pytest.Config, ref) -> dict:
    folder = pytestconfig.getoption("--student-dir")
    if folder is None:
        return {name: getattr(ref, name) for name in casekit.EXERCISE_MODULES}
    if not Path(folder).is_dir():
        raise pytest.UsageError(f"--student-dir {folder}: not a folder")
    return casekit.load_package_from_dir(folder)


@pytest.fixture
def student(_student_modules):
    return casekit.Student(casekit.InProcessBackend(_student_modules))
