"""One webhook request over HTTP(S), without reaching inside the network.

The host is resolved once and every address it resolves to must be public (not private,
loopback, link-local, shared, reserved or multicast) unless `WEBHOOK_ALLOW_PRIVATE` is set;
the connection then goes to the address that was checked, with the name kept for the `Host`
header and TLS (SNI and certificate), so a second DNS answer cannot swap in an internal one.
Redirects are not followed: a 3xx is the receiver's answer, like any other."""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from urllib3.exceptions import HTTPError

CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 10.0


@dataclass(frozen=True)
class Outcome:
    response_code: int | None
    duration_ms: int
    error: str = ""
    refused: bool = False  # the address was not allowed: no request was made

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300

    @property
    def retryable(self) -> bool:
        """Network errors, 5xx and 429 are tried again; a refused address or another answer is final."""
        if self.response_code is None:
            return not self.refused
        return self.response_code >= 500 or self.response_code == 429


class AddressRefused(Exception):
    pass


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return settings.WEBHOOK_ALLOW_PRIVATE or (ip.is_global and not ip.is_multicast)


def resolve(host: str, port: int) -> str:
    """The address to connect to; every address of `host` must be allowed."""
    addresses = [info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]
    refused = [address for address in addresses if not address_allowed(address)]
    if refused:
        raise AddressRefused(
            _("refused: %(host)s resolves to %(address)s, a private or reserved address")
            % {"host": host, "address": refused[0]}
        )
    return addresses[0]


def _pool(url: str):
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(parts.hostname, port)
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    default_port = port == (443 if https else 80)
    host_header = parts.hostname if default_port else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:
        host_header = f"[{parts.hostname}]" + ("" if default_port else f":{port}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return pool, host_header, path


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        pool, host_header, path = _pool(url)
        with pool:
            response = pool.urlopen(
                "POST",
                path,
                body=body.encode(),
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
            )
            response.release_conn()
            return Outcome(response_code=response.status, duration_ms=elapsed())
    except AddressRefused as refused:
        return Outcome(response_code=None, duration_ms=elapsed(), error=str(refused), refused=True)
    except (HTTPError, OSError) as error:  # DNS, refused or reset connections, timeouts, TLS
        return Outcome(response_code=None, duration_ms=elapsed(), error=f"{type(error).__name__}: {error}"[:500])
