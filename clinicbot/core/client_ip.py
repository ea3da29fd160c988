"""The address a request really came from, also behind reverse proxies we trust."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """``REMOTE_ADDR``, or what the nearest trusted proxy saw when ``TRUSTED_PROXY_COUNT`` > 0.

    Behind ``n`` proxies (nginx, a load balancer), ``REMOTE_ADDR`` is the last proxy and
    ``X-Forwarded-For`` ends with what each proxy saw: the client is the ``n``-th address
    from the right. Entries further left are whatever the client sent, so they are never
    trusted (a limiter keyed on them could be dodged by forging the header). None when the
    request carries no address (a request built in-process, as ``Client.force_login``'s).
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if a.strip()]
    if count <= 0 or not forwarded:
        return remote
    return forwarded[-count] if len(forwarded) >= count else forwarded[0]
