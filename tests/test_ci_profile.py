"""CI never fails by chance: the hypothesis profiles of ``tests/conftest.py``."""

from __future__ import annotations

from pathlib import Path

from hypothesis import settings

from conftest import hypothesis_profile

ROOT = Path(__file__).resolve().parent.parent


def test_ci_profile_is_deterministic() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.deadline is None
    assert ci.database is None
    assert ci.print_blob is True


def test_local_profile_keeps_exploring() -> None:
    dev = settings.get_profile("dev")
    assert dev.derandomize is False
    assert dev.database is not None


def test_profile_choice() -> None:
    assert hypothesis_profile({}) == "dev"
    assert hypothesis_profile({"CI": "true"}) == "ci"
    assert hypothesis_profile({"CI": "TRUE"}) == "ci"
    assert hypothesis_profile({"CI": "false"}) == "dev"
    assert hypothesis_profile({"HYPOTHESIS_PROFILE": "dev", "CI": "true"}) == "dev"
    assert hypothesis_profile({"HYPOTHESIS_PROFILE": "ci"}) == "ci"


def test_ci_script_selects_the_ci_profile() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "HYPOTHESIS_PROFILE=ci" in script
    assert script.index("HYPOTHESIS_PROFILE=ci") < script.index("pytest")


def test_loaded_profile_matches_the_environment() -> None:
    import os

    expected = settings.get_profile(hypothesis_profile(os.environ))
    assert settings.default.derandomize == expected.derandomize
    assert (settings.default.database is None) == (expected.database is None)
