"""Facts about the client of a request that other parts of JoinedUp rely on."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address.

    X-Forwarded-For is trusted only for as many hops as there are proxies of our own
    (``TRUSTED_PROXY_COUNT``, default 0), counted from the right, so a client cannot choose its
    own address by sending the header (SEC-04). Anything that is not an IP address is ignored.
    """
    proxies = int(getattr(settings, "JOINEDUP_TRUSTED_PROXY_COUNT", 0))
    candidate = request.META.get("REMOTE_ADDR")
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
