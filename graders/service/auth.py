"""Bearer-token auth, and the rule that binding anything but loopback needs a token."""
from __future__ import annotations

import hmac
import ipaddress
import os

OPEN_PATHS = frozenset({"/healthz"})  # load balancers probe without credentials


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`; every other name or address (0.0.0.0 too) is not."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_from_env(var: str | None) -> str | None:
    """The token in environment variable `var` (None if no variable named); an empty variable is an error."""
    if not var:
        return None
    value = os.environ.get(var, "")
    if not value.strip():
        raise SystemExit(f"--token-env {var}: that environment variable is empty or unset")
    return value.strip()


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on a non-loopback address without a token."""
    if token is None and not is_loopback(host):
        raise SystemExit(f"refusing to bind {host} without a token: anything but loopback needs "
                         "--token-env VAR (clients send 'Authorization: Bearer $VAR')")


def bearer_matches(header: str, token: str) -> bool:
    """True when an Authorization header value is `Bearer <token>` (constant-time comparison)."""
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
