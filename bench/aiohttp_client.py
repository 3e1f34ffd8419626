#!/usr/bin/python3
"""A vLLM-style streaming client, the reference in claude-bench's accuracy benchmark.

It reads a stream the way `vllm bench serve` does (endpoint_request_func.py,
openai-chat backend): aiohttp, `response.content.iter_any()`, bytes appended
to a buffer split on blank lines, `data:` lines kept, each message
JSON-decoded and then stamped with time.perf_counter(). Every request carries
a unique x-request-id so the emulator's event log can be matched to it.

Usage: aiohttp_client.py URL STREAMS BODY_JSON
Prints one JSON object: {"cpu_s", "wall_s", "requests": [{"request_id",
"t0_epoch_ms", "events_ms": [ms after t0 per data message, [DONE] excluded]}]}.
"""
import asyncio
import json
import sys
import time
import uuid

import aiohttp


def wall_offset():
    """time.time() - time.perf_counter(), taken as the tightest of a few samples."""
    best = None
    for _ in range(20):
        a = time.perf_counter()
        w = time.time()
        b = time.perf_counter()
        if best is None or (b - a) < best[0]:
            best = (b - a, w - (a + b) / 2)
    return best[1]


async def one(session, url, body, offset, out):
    rid = uuid.uuid4().hex
    headers = {"content-type": "application/json", "x-request-id": rid}
    events = []
    st = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as resp:
        buf = b""
        async for chunk in resp.content.iter_any():
            buf += chunk
            while b"\n\n" in buf:
                message, buf = buf.split(b"\n\n", 1)
                line = message.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    continue
                json.loads(data)
                events.append((time.perf_counter() - st) * 1000.0)
    out.append({"request_id": rid, "t0_epoch_ms": (st + offset) * 1000.0, "events_ms": events})


async def main():
    url, streams, body = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode("utf-8")
    offset = wall_offset()
    out = []
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=6 * 60 * 60)
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(one(session, url, body, offset, out) for _ in range(streams)))
    result = {"cpu_s": time.process_time() - cpu0, "wall_s": time.perf_counter() - wall0, "requests": out}
    sys.stdout.write(json.dumps(result))


asyncio.run(main())
