"""requirements.lock: every dependency of pyproject.toml pinned, with hashes, inside its declared range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = (
    {"python_version": "3.11", "python_full_version": "3.11.9"},
    {"python_version": "3.12", "python_full_version": "3.12.8"},
)


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def locked() -> list[tuple[Requirement, list[str]]]:
    """Each pinned requirement of the lock with its hashes (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "requirements.lock").read_text())
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        spec, *options = line.split(" --hash=")
        entries.append((Requirement(spec.strip()), [o.strip() for o in options]))
    return entries


def test_every_locked_requirement_is_an_exact_pin_with_sha256_hashes():
    entries = locked()
    assert len(entries) > 50
    for requirement, hashes in entries:
        assert re.fullmatch(r"==[^,]+", str(requirement.specifier)), requirement
        assert hashes and all(h.startswith("sha256:") and len(h) == 71 for h in hashes), requirement


def test_every_declared_dependency_is_locked_inside_its_range_for_each_supported_python():
    entries = locked()
    for env in PYTHONS:
        pins = {
            canonicalize_name(r.name): next(iter(r.specifier)).version
            for r, _ in entries
            if r.marker is None or r.marker.evaluate(env)
        }
        for requirement in declared():
            if requirement.marker is not None and not requirement.marker.evaluate(env):
                continue
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is not in requirements.lock: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"requirements.lock pins {name}=={pins[name]} outside {requirement.specifier}: run `make lock`"
            )


def test_make_setup_installs_from_the_lock_with_hash_checking():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert "$(VENV)/.installed: pyproject.toml requirements.lock" in makefile
