"""What every HTTP route reads from a request the same careful way: a secret compared in
constant time whatever bytes it holds, and the client's address (behind a trusted proxy, the
address that proxy saw)."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Iterable

from aiohttp import web


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of text from a request with a secret. Header and cookie text may
    hold any byte (aiohttp keeps undecodable ones as surrogates), so both are compared as bytes."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def from_this_machine(request: web.Request) -> bool:
    """The peer is this machine (a loopback address) and no proxy says it forwarded the request from elsewhere:
    for what only the person at the server may do (the Teams emulator, the desk's development sign-in)."""
    if any(header in request.headers for header in FORWARDED):
        return False
    try:
        return ipaddress.ip_address((request.remote or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def client_address(request: web.Request, trusted_proxies: Iterable[str] = ()) -> str:
    """The address a request came from. Behind a proxy listed in TRUSTED_PROXIES (addresses or
    networks), the last address in X-Forwarded-For that is not itself a trusted proxy: the one the
    outermost trusted proxy saw. Without a trusted proxy, X-Forwarded-For is ignored (anyone can
    write it)."""
    peer = request.remote or ""
    networks = [_network(p) for p in trusted_proxies]
    networks = [n for n in networks if n is not None]
    if not networks or not _within(peer, networks):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, networks):
            return hop if _address(hop) is not None else peer
    return hops[0] if hops else peer


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _within(text: str, networks: list) -> bool:  # type: ignore[type-arg]
    address = _address(text)
    return address is not None and any(address in network for network in networks)
