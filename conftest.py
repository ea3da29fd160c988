"""Shared pytest fixtures: a clean cache and process memos for every database test."""

from __future__ import annotations

import contextlib

import pytest


@pytest.fixture(autouse=True)
def _clean_caches(request: pytest.FixtureRequest) -> None:
    """Every database test starts with an empty cache and no in-process memos.

    Pure engine tests (no ``django_db`` marker) skip this: they touch neither.
    """
    if not request.node.get_closest_marker("django_db"):
        return
    from django.core.cache import cache

    from clinicbot.clinics import snapshot
    from clinicbot.conversations import pipeline
    from clinicbot.core import cache as safe_cache

    safe_cache.reset_backoff()
    # A test that points the cache at a dead Redis clears nothing.
    with contextlib.suppress(Exception):
        cache.clear()
    snapshot.forget_process_memo()
    pipeline.forget_process_state()


@pytest.fixture(autouse=True)
def _no_debounce(request: pytest.FixtureRequest) -> None:
    """Database tests answer each message at once (the production default waits 1.5 s for more)."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("settings").MESSAGE_DEBOUNCE_MS = 0
