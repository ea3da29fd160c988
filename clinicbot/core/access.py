"""Access to the staff pages: a staff login AND the Django permissions the page needs.

``is_staff`` only lets a person into the back office; what they may read or do there is
the permissions of their account or groups (e.g. the "Recepção" group), checked on every
view and action — the same rules the admin applies to its own screens.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def staff_permission_required(
    *perms: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous or non-staff visitors go to the admin login; staff without ``perms`` get 403."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_member_required(checked)

    return decorate
