"""claude-bench's guard for test runs: mitmproxy may open connections to
loopback addresses only. Any other upstream is refused before a packet is
sent, and every connection is logged, so a run shows that no traffic left
the machine. Not part of the guide's setup.
"""
import ipaddress

from mitmproxy import ctx

PREFIX = "claude-bench-guard:"


def _is_loopback(host) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_connect(data) -> None:
    host, port = data.server.address
    if _is_loopback(host):
        ctx.log.info(f"{PREFIX} connecting to {host}:{port}")
        return
    data.server.error = f"claude-bench refused an outbound connection to {host}:{port} (loopback only)"
    ctx.log.warn(f"{PREFIX} BLOCKED outbound connection to {host}:{port}")
