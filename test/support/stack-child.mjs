// A small child process for the stack tests. It plays the parts the stack
// layer must cope with, picked by flags:
//   --serve              listen on 127.0.0.1:0 (GET /health, GET /v1/models, POST /v1/chat/completions
//                        with a fixed OpenAI answer) and print {"event":"ready","url",...} on stdout
//   --echo TEXT          print TEXT on stdout and on stderr first (redaction tests)
//   --grandchild         start a sleeping grandchild in the same process group, print {"event":"grandchild","pid":N}
//   --ignore-term        ignore SIGTERM (stop() must escalate to SIGKILL)
//   --exit N             print a reason on stderr and exit with code N (early-exit tests)
//   --delay MS           wait MS before serving
// Without --serve it just stays alive until signalled.
import { spawn } from 'node:child_process';
import http from 'node:http';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const echo = value('--echo');
if (echo !== undefined) {
  process.stdout.write(`stdout says ${echo}\n`);
  process.stderr.write(`stderr says ${echo}\n`);
}

if (value('--exit') !== undefined) {
  process.stderr.write('fixture: failing on purpose (bad flag --frobnicate)\n');
  process.exit(Number(value('--exit')));
}

if (flag('--ignore-term')) process.on('SIGTERM', () => process.stdout.write('fixture: ignoring SIGTERM\n'));
else process.on('SIGTERM', () => process.exit(0));
// Signal handlers are in place from here on.
process.stdout.write(`${JSON.stringify({ event: 'armed' })}\n`);

if (flag('--grandchild')) {
  const g = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  process.stdout.write(`${JSON.stringify({ event: 'grandchild', pid: g.pid })}\n`);
}

// Keeps the process alive when it does not serve.
setInterval(() => {}, 1000);

if (flag('--serve')) {
  await new Promise((r) => setTimeout(r, Number(value('--delay') ?? 0)));
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = (status, payload) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'GET' && req.url === '/health') return json(200, {});
      if (req.method === 'GET' && req.url === '/v1/models') {
        return json(200, { object: 'list', data: [{ id: 'fixture-model', object: 'model', owned_by: 'vllm' }] });
      }
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        const request = JSON.parse(body || '{}');
        return json(200, {
          id: 'chatcmpl-fixture',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: request.model ?? 'fixture-model',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fixture' }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
        });
      }
      json(404, { object: 'error', message: 'Not Found', type: 'NotFoundError', param: null, code: 404 });
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    process.stdout.write(`${JSON.stringify({ event: 'ready', url: `http://127.0.0.1:${port}`, port, pid: process.pid })}\n`);
  });
}
