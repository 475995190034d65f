"""Which URLs the crawler may fetch: http(s) only, and never private, loopback or link-local
addresses (checked after DNS resolution, on every redirect) unless the settings allow them."""

from __future__ import annotations

import asyncio
import ipaddress
import posixpath
import re
import socket
from urllib.parse import urldefrag, urljoin, urlsplit

import courlan

from voice_platform.services.errors import ServiceError

HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$")


class CrawlError(ServiceError):
    """The site could not be read; `kind` says why (bad_url, dns, private_address,
    http_status, unreachable, empty)."""

    status = 422
    code = "crawl_failed"

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message, field="url")
        self.kind = kind


def normalize(url: str, base: str | None = None) -> str | None:
    """Absolute, without fragment or tracking parameters; None for what is not a web page URL."""
    joined = urljoin(base, url.strip()) if base else url.strip()
    joined, _ = urldefrag(joined)
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if not HOSTNAME.match(parts.hostname) and not parts.netloc.startswith("["):
        return None
    path = posixpath.normpath(parts.path) if parts.path not in ("", "/") else "/"
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    # Not strict: that would also drop meaningful parameters such as ?page=2.
    return str(courlan.normalize_url(parts._replace(path=path).geturl(), strict=False))


def check_url(url: str) -> str:
    text = url.strip()
    if text and "://" not in text:
        text = f"https://{text}"
    normalized = normalize(text)
    if normalized is None:
        raise CrawlError(
            "bad_url", f"{url!r} is not a web address; write it like https://example.com"
        )
    return normalized


def site_key(url: str) -> str:
    """Pages of one site share this: the host without a leading www."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_host(url: str, *, allow_private: bool) -> None:
    """Resolve the URL's host; refuse it when any address is not public (unless allowed)."""
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or (443 if url.startswith("https") else 80)
    try:
        addresses = await resolve(host, port)
    except socket.gaierror:
        raise CrawlError("dns", f"The address {host} does not exist (DNS lookup failed)") from None
    if allow_private:
        return
    for address in addresses:
        if not _is_public(address):
            raise CrawlError(
                "private_address",
                f"{host} points to a private or local address ({address}); the crawler reads "
                "only public websites (CRAWL_ALLOW_PRIVATE_NETWORKS=true allows them)",
            )
