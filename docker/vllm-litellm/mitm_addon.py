"""The guide's mitmproxy addon, corrected: same request rewrite, and every
response body streamed through as it arrives.

Without the responseheaders hook mitmproxy holds the whole SSE body and
delivers it at the end; with flow.response.stream = True each event reaches
Claude Code when the gateway sends it.
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


def responseheaders(flow: http.HTTPFlow) -> None:
    # The fix: pass the body on chunk by chunk instead of buffering it.
    flow.response.stream = True
