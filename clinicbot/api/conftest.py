"""Fixtures of the API tests: the alternative eval clinic, keys of each scope, keyed clients."""

from __future__ import annotations

import pytest

from clinicbot.testing import load_clinic
from clinicbot.testing.api import ApiClient

from .models import ApiScope
from .services import api_key_create


@pytest.fixture
def clinic(db: None) -> None:
    load_clinic()


READ_SCOPES = [ApiScope.SLOTS_READ, ApiScope.APPOINTMENTS_READ, ApiScope.CONVERSATIONS_READ]


@pytest.fixture
def read_key(db: None):  # type: ignore[no-untyped-def]
    """Every read scope, no write."""
    return api_key_create(name="Site da clínica", scopes=READ_SCOPES)


@pytest.fixture
def write_key(db: None):  # type: ignore[no-untyped-def]
    """Every scope."""
    return api_key_create(name="Prontuário", scopes=ApiScope.values)


@pytest.fixture
def reader(read_key) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(read_key.secret)


@pytest.fixture
def writer(write_key) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient(write_key.secret)
