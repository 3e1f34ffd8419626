/**
 * An OpenAI-compatible upstream that behaves like vLLM whose tool-call parser
 * does not match the model: it accepts tools, but the model's call comes back
 * as `<tool_call>{…}</tool_call>` text in `content`, finish_reason "stop".
 * Streams (data-only chunks + [DONE]) or answers whole; /health answers 200.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TextToolUpstream {
  /** `http://127.0.0.1:<port>` (no /v1). */
  readonly url: string;
  /** Requests to /v1/chat/completions so far. */
  readonly completions: number;
  close(): Promise<void>;
}

export const TEXT_TOOL_CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

export async function startTextToolUpstream(model = 'Qwen/Qwen2.5-Coder-32B-Instruct'): Promise<TextToolUpstream> {
  const sockets = new Set<Socket>();
  let completions = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/health') {
        res.writeHead(200, { 'content-length': 0 }).end();
        return;
      }
      if (path !== '/v1/chat/completions' || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
        return;
      }
      completions++;
      let body: { stream?: boolean; tools?: unknown[] } = {};
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
        return;
      }
      const text = Array.isArray(body.tools) && body.tools.length > 0 ? TEXT_TOOL_CALL : 'ok';
      const id = `chatcmpl-${completions}`;
      const created = Math.floor(Date.now() / 1000);
      const usage = { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 };
      if (body.stream !== true) {
        const message = { role: 'assistant', content: text, tool_calls: [] };
        const json = JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: 'stop' }], usage });
        res.writeHead(200, { 'content-type': 'application/json' }).end(json);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null): string =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }, null));
      for (const piece of text.match(/[\s\S]{1,12}/g) ?? []) res.write(chunk({ content: piece }, null));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get completions() {
      return completions;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
