"""The deployment guide's mitmproxy addon (plan 3), as it intends it.

Claude Code keeps talking to https://api.anthropic.com through the proxy
(HTTPS_PROXY, with mitmproxy's CA trusted via NODE_EXTRA_CA_CERTS); this
addon sends those requests to the local gateway instead.

It rewrites the request only. mitmproxy then reads each response whole
before passing it on, so Claude Code's SSE stream arrives in one lump at
the end: TTFT becomes the whole response time. See streaming_addon.py.
"""
from urllib.parse import urlsplit

from mitmproxy import ctx, http

ANTHROPIC_HOST = "api.anthropic.com"


def load(loader):
    loader.add_option("gateway_url", str, "http://127.0.0.1:4000", "Where requests for api.anthropic.com are sent.")


def request(flow: http.HTTPFlow) -> None:
    if flow.request.pretty_host != ANTHROPIC_HOST:
        return
    gateway = urlsplit(ctx.options.gateway_url)
    flow.request.scheme = gateway.scheme
    flow.request.host = gateway.hostname
    flow.request.port = gateway.port or (443 if gateway.scheme == "https" else 80)
