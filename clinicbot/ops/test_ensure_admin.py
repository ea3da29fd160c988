"""``manage.py ensure_admin``: the first admin, and a new password when the first was lost."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def works(password: str) -> bool:
    return get_user_model().objects.get(username="admin").check_password(password)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def test_the_first_run_creates_the_admin_and_prints_its_password():
    password = re.search(r"admin / (\S+)", run())[1]
    assert works(password) and get_user_model().objects.get(username="admin").is_superuser


def test_a_second_run_keeps_the_password_and_says_how_to_get_a_new_one():
    first = re.search(r"admin / (\S+)", run())[1]
    again = run()
    assert "password unchanged" in again and "make admin-password" in again
    assert works(first)


def test_reset_prints_a_new_password_that_works_and_the_old_one_stops():
    first = re.search(r"admin / (\S+)", run())[1]
    new = re.search(r"New password for admin: (\S+)", run("--reset"))[1]
    assert new != first
    assert works(new) and not works(first)
    assert get_user_model().objects.count() == 1
