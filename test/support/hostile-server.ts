/**
 * An Anthropic-speaking server that misbehaves on purpose, for the security
 * tests: it accepts any key and answers every /v1/messages request with one
 * kind of hostile stream. Loopback only, ephemeral port; close() ends every
 * open response so no endless stream outlives the test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type HostileMode =
  /** A valid stream whose text and a response header carry the key the client sent. */
  | 'echo-key'
  /** One data line of `hugeBytes` (default 50 MB) with no blank line until the end. */
  | 'huge-event'
  /** Valid text deltas that never stop (until the client goes away or close()). */
  | 'endless'
  /** Frames with invalid UTF-8 bytes inside the JSON and between fields. */
  | 'invalid-utf8'
  /** Events whose data is JSON nested 100k levels deep. */
  | 'deep-json'
  /** A valid stream whose text and tool input are HTML/JS meant to run in a report. */
  | 'html';

export interface HostileServer {
  readonly url: string;
  /** Number of /v1/messages requests answered. */
  readonly requests: () => number;
  /** Distinct x-api-key / authorization values the server received. */
  readonly keysSeen: () => string[];
  close(): Promise<void>;
}

/** Strings the 'html' mode puts in model output; a report must show them only escaped. */
export const HOSTILE_HTML = ['<script>alert("cb-xss")</script>', '<img src=x onerror="alert(\'cb-xss\')">'] as const;

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function messageStart(model: string): string {
  return frame('message_start', {
    type: 'message_start',
    message: { id: 'msg_hostile', type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } },
  });
}

function textStream(model: string, text: string): string {
  return (
    messageStart(model) +
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }) +
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }) +
    frame('message_stop', { type: 'message_stop' })
  );
}

function jsonMessage(model: string, text: string): string {
  return JSON.stringify({
    id: 'msg_hostile',
    type: 'message',
    role: 'assistant',
    content: [{ type: 'text', text }],
    model,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 9 },
  });
}

/** Write `total` bytes of `fill` honouring back-pressure; stops when the response closes. */
async function pump(res: http.ServerResponse, total: number, fill: Buffer): Promise<boolean> {
  let sent = 0;
  while (sent < total) {
    if (res.destroyed || res.writableEnded) return false;
    const n = Math.min(fill.length, total - sent);
    const ok = res.write(n === fill.length ? fill : fill.subarray(0, n));
    sent += n;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  }
  return !res.destroyed;
}

/** Start a hostile server in `mode` on 127.0.0.1:0. */
export async function startHostileServer(mode: HostileMode, options: { hugeBytes?: number } = {}): Promise<HostileServer> {
  let count = 0;
  const keys = new Set<string>();
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      // Bounded: requests from the harness are small; drop anything past 8 MB.
      if (size < 8 * 1024 * 1024) chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      open.add(res);
      res.on('close', () => open.delete(res));
      void answer(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => res.destroy());
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = req.url ?? '/';
    if (req.method !== 'POST' || !url.startsWith('/v1/messages')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not found' } }));
      return;
    }
    if (url.startsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: 12 }));
      return;
    }
    count++;
    let parsed: { stream?: unknown; model?: unknown } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      // Answer anyway: the harness's handling of the reply is what is tested.
    }
    const model = typeof parsed.model === 'string' ? parsed.model : 'hostile';
    const key = String(req.headers['x-api-key'] ?? req.headers['authorization'] ?? '');
    if (keys.size < 100) keys.add(key);
    const stream = parsed.stream === true;
    const sseHead = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

    switch (mode) {
      case 'echo-key': {
        const text = `You sent the key ${key} (again: ${key})`;
        res.writeHead(200, { ...(stream ? sseHead : { 'content-type': 'application/json' }), 'x-echo-key': key, 'request-id': `req_${key}` });
        res.end(stream ? textStream(model, text) : jsonMessage(model, text));
        return;
      }
      case 'html': {
        const text = `Here you go: ${HOSTILE_HTML.join(' and ')}`;
        res.writeHead(200, stream ? sseHead : { 'content-type': 'application/json' });
        res.end(stream ? textStream(model, text) : jsonMessage(model, text));
        return;
      }
      case 'huge-event': {
        res.writeHead(200, sseHead);
        res.write(messageStart(model));
        res.write('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"');
        if (!(await pump(res, options.hugeBytes ?? 50 * 1024 * 1024, Buffer.alloc(256 * 1024, 'A')))) return;
        res.end('"}}\n\n');
        return;
      }
      case 'endless': {
        res.writeHead(200, sseHead);
        res.write(messageStart(model));
        res.write(frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
        const burst = Buffer.from(frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'more ' } }).repeat(512));
        // Never ends by itself: bounded only by the client leaving or close().
        for (;;) {
          if (!(await pump(res, burst.length, burst))) return;
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      case 'invalid-utf8': {
        res.writeHead(200, sseHead);
        const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]);
        res.write(messageStart(model));
        res.write(frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
        res.write(Buffer.concat([Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'), bad, Buffer.from('"}}\n\n')]));
        res.write(Buffer.concat([Buffer.from('event: '), bad, Buffer.from('\ndata: '), bad, Buffer.from('\n\n')]));
        res.write(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
        res.write(frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }));
        res.end(frame('message_stop', { type: 'message_stop' }));
        return;
      }
      case 'deep-json': {
        const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"type":"message","content":${deep}}`);
          return;
        }
        res.writeHead(200, sseHead);
        res.write(`event: message_start\ndata: ${deep}\n\n`);
        res.write(messageStart(model));
        res.write(`event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"Read","input":${deep}}}\n\n`);
        res.write(frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: `{"a":${deep}}` } }));
        res.write(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
        res.write(frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 3 } }));
        res.end(frame('message_stop', { type: 'message_stop' }));
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    keysSeen: () => [...keys],
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
