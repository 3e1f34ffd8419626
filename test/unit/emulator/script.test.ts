import { describe, expect, it } from 'vitest';
import { BenchError } from '../../../src/errors.ts';
import type { ChatMessage, ChatRequest, ToolSpec } from '../../../src/emulator/request.ts';
import { DEFAULT_TEXT_TOKENS, resolveReply } from '../../../src/emulator/reply.ts';
import { conversationFacts, findRule, parseScript, ruleMatches, type Script } from '../../../src/emulator/script.ts';

const TOOLS: ToolSpec[] = [
  { name: 'Write', parameters: { type: 'object', properties: { file_path: { type: 'string' }, content: { type: 'string' } }, required: ['file_path', 'content'] } },
  { name: 'Bash', parameters: { type: 'object', properties: { command: { type: 'string' }, timeout: { type: 'number' } }, required: ['command'] } },
  { name: 'Read', parameters: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } },
];

function request(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'm',
    messages,
    tools: TOOLS,
    toolChoice: 'auto',
    stop: [],
    stream: true,
    includeUsage: false,
    continuousUsage: false,
    ignoreEos: false,
    promptTokens: 10,
    budget: 1000,
    ...extra,
  };
}

const assistantCall = (name: string): ChatMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id: `id-${name}`, type: 'function', function: { name, arguments: '{}' } }],
});
const toolResult = (text: string): ChatMessage => ({ role: 'tool', tool_call_id: 'x', content: text });

describe('parseScript', () => {
  it('accepts the documented format and a bare array', () => {
    const script = parseScript(
      {
        rules: [
          { name: 'w', match: { turn: 0, toolOffered: 'Write' }, reply: { toolCalls: [{ name: 'Write', arguments: { file_path: '/x', content: 'y' } }] } },
          { match: { toolsOffered: false }, reply: { text: { tokens: 3 }, ttftMs: 10, itlMs: 1 } },
          { reply: { text: 'done', abortAfterTokens: 2, failStatus: 503 } },
        ],
      },
      'test.json',
    );
    expect(script.rules).toHaveLength(3);
    expect(parseScript([{ reply: { text: 'x' } }], 'a.json').rules).toHaveLength(1);
  });

  it.each([
    [{}, 'rules'],
    [{ rules: [1] }, 'rules[0]'],
    [{ rules: [{}] }, 'rules[0].reply'],
    [{ rules: [{ reply: { text: 5 } }] }, 'rules[0].reply.text'],
    [{ rules: [{ reply: { text: { tokens: -1 } } }] }, 'rules[0].reply.text'],
    [{ rules: [{ reply: {}, match: { turn: 'one' } }] }, 'rules[0].match.turn'],
    [{ rules: [{ reply: {}, match: { toolsOffered: 'yes' } }] }, 'rules[0].match.toolsOffered'],
    [{ rules: [{ reply: { toolCalls: [{ name: '' }] } }] }, 'rules[0].reply.toolCalls[0].name'],
    [{ rules: [{ reply: { toolCalls: [{ name: 'a', arguments: '{}' }] } }] }, 'rules[0].reply.toolCalls[0].arguments'],
    [{ rules: [{ reply: { failStatus: 200 } }] }, 'rules[0].reply.failStatus'],
    [{ rules: [{ reply: {}, match: { turnn: 1 } }] }, 'rules[0].match.turnn'],
  ])('rejects %j naming the field %s', (value, field) => {
    let caught: unknown;
    try {
      parseScript(value, 'my-script.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BenchError);
    const err = caught as BenchError;
    expect(err.code).toBe('BAD_CONFIG');
    expect(err.message).toContain('my-script.json');
    expect(err.message).toContain(`${field}:`);
  });
});

describe('rule matching', () => {
  it('extracts turn, last user text, system text and recent tool results', () => {
    const facts = conversationFacts(
      [
        { role: 'system', content: 'You are Claude Code' },
        { role: 'user', content: [{ type: 'text', text: 'make hello.py' }] },
        assistantCall('Write'),
        toolResult('File created successfully'),
      ],
      TOOLS,
      'm',
    );
    expect(facts).toEqual({
      turn: 1,
      lastUserText: 'make hello.py',
      systemText: 'You are Claude Code',
      recentToolResults: ['File created successfully'],
      toolNames: ['Write', 'Bash', 'Read'],
      model: 'm',
    });
    expect(ruleMatches({ turn: 1, toolResultIncludes: 'created', systemIncludes: 'Claude', lastUserIncludes: 'hello', toolOffered: 'Bash', toolsOffered: true, model: 'm' }, facts)).toBe(true);
    expect(ruleMatches({ turn: 0 }, facts)).toBe(false);
    expect(ruleMatches({ toolOffered: 'Edit' }, facts)).toBe(false);
    expect(ruleMatches({ toolsOffered: false }, facts)).toBe(false);
    expect(ruleMatches({ toolResultIncludes: 'error' }, facts)).toBe(false);
    expect(ruleMatches(undefined, facts)).toBe(true);
  });

  it('forgets tool results from earlier turns', () => {
    const facts = conversationFacts([{ role: 'user', content: 'x' }, assistantCall('Write'), toolResult('old'), assistantCall('Bash')], TOOLS, undefined);
    expect(facts.recentToolResults).toEqual([]);
    expect(facts.turn).toBe(2);
  });

  it('first matching rule wins', () => {
    const script: Script = { rules: [{ match: { turn: 5 }, reply: { text: 'a' } }, { reply: { text: 'b' } }, { reply: { text: 'c' } }] };
    const hit = findRule(script, conversationFacts([{ role: 'user', content: 'x' }], [], undefined));
    expect(hit?.index).toBe(1);
  });
});

describe('resolveReply: a Claude Code session Write → Bash → Read by turn', () => {
  const script = parseScript(
    {
      rules: [
        { name: 'write', match: { turn: 0, toolOffered: 'Write' }, reply: { toolCalls: [{ name: 'Write', arguments: { file_path: '/tmp/w/hello.py', content: "print('hi')\n" } }] } },
        { name: 'bash', match: { turn: 1 }, reply: { text: 'Running it.', toolCalls: [{ name: 'Bash', arguments: { command: 'python3 /tmp/w/hello.py' } }] } },
        { name: 'read', match: { turn: 2, toolResultIncludes: 'hi' }, reply: { toolCalls: [{ name: 'Read' }] } },
        { name: 'done', match: { turn: 3 }, reply: { text: 'All done.' } },
        { name: 'side', match: { toolsOffered: false }, reply: { text: 'Hello world script' } },
      ],
    },
    'session.json',
  );
  const user: ChatMessage = { role: 'user', content: 'Create hello.py, run it, then read it back.' };

  it('walks the turns', () => {
    const r0 = resolveReply(request([user]), script);
    expect(r0.source).toBe('script:write');
    expect(r0.toolCalls).toEqual([{ name: 'Write', arguments: '{"file_path": "/tmp/w/hello.py", "content": "print(\'hi\')\\n"}' }]);
    expect(r0.textTokens).toEqual([]);

    const r1 = resolveReply(request([user, assistantCall('Write'), toolResult('File created')]), script);
    expect(r1.source).toBe('script:bash');
    expect(r1.textTokens.join('')).toBe('Running it.');
    expect(JSON.parse(r1.toolCalls[0]?.arguments ?? '')).toEqual({ command: 'python3 /tmp/w/hello.py' });

    const r2 = resolveReply(request([user, assistantCall('Write'), toolResult('ok'), assistantCall('Bash'), toolResult('hi')]), script);
    expect(r2.source).toBe('script:read');
    expect(JSON.parse(r2.toolCalls[0]?.arguments ?? '')).toEqual({ file_path: 'example' });

    const history = [user, assistantCall('Write'), toolResult('ok'), assistantCall('Bash'), toolResult('hi'), assistantCall('Read'), toolResult("print('hi')")];
    const r3 = resolveReply(request(history), script);
    expect(r3.textTokens.join('')).toBe('All done.');
    expect(r3.toolCalls).toEqual([]);
  });

  it('answers side requests without tools from their own rule', () => {
    const r = resolveReply(request([{ role: 'user', content: 'Summarise this conversation in a title' }], { tools: [], toolChoice: 'none' }), script);
    expect(r.source).toBe('script:side');
    expect(r.textTokens.join('')).toBe('Hello world script');
  });
});

describe('resolveReply: directives, defaults and tool_choice', () => {
  const empty: Script = { rules: [] };

  it('defaults to deterministic filler text', () => {
    const a = resolveReply(request([{ role: 'user', content: 'hi' }]), empty);
    expect(a.source).toBe('default');
    expect(a.textTokens).toHaveLength(DEFAULT_TEXT_TOKENS);
    expect(resolveReply(request([{ role: 'user', content: 'hi' }]), empty).textTokens).toEqual(a.textTokens);
  });

  it('a directive in the last user message wins over the script', () => {
    const script: Script = { rules: [{ reply: { text: 'scripted' } }] };
    const r = resolveReply(request([{ role: 'user', content: 'x [[emulate say="exact text" ttft=7]]' }]), script);
    expect(r.source).toBe('directive');
    expect(r.textTokens.join('')).toBe('exact text');
    expect(r.ttftMs).toBe(7);
    expect(resolveReply(request([{ role: 'user', content: '[[emulate tokens=5]]' }]), script).textTokens).toHaveLength(5);
  });

  it('a directive only counts when the user message is the last one (tool round trips end)', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: '[[emulate tool=Bash]]' }, assistantCall('Bash'), toolResult('ok')];
    const r = resolveReply(request(messages), empty);
    expect(r.source).toBe('default');
    expect(r.toolCalls).toEqual([]);
  });

  it('tool=NAME calls an offered tool with schema or given arguments, and is ignored for unknown tools', () => {
    const r = resolveReply(request([{ role: 'user', content: `[[emulate tool=Bash args='{"command":"ls"}']]` }]), empty);
    expect(r.toolCalls).toEqual([{ name: 'Bash', arguments: '{"command": "ls"}' }]);
    const generated = resolveReply(request([{ role: 'user', content: '[[emulate tool=Read]]' }]), empty);
    expect(JSON.parse(generated.toolCalls[0]?.arguments ?? '')).toEqual({ file_path: 'example' });
    const unknown = resolveReply(request([{ role: 'user', content: '[[emulate tool=Nope ttft=3]]' }]), empty);
    expect(unknown.source).toBe('default');
    expect(unknown.toolCalls).toEqual([]);
    expect(unknown.ttftMs).toBe(3);
  });

  it('a named tool_choice forces that tool, keeping the reply\'s own arguments for it', () => {
    const forced = request([{ role: 'user', content: 'hi' }], { toolChoice: { name: 'Write' } });
    const r = resolveReply(forced, empty);
    expect(r.toolMode).toBe('named');
    expect(r.textTokens).toEqual([]);
    expect(JSON.parse(r.toolCalls[0]?.arguments ?? '')).toEqual({ file_path: 'example', content: 'example' });
    const script: Script = { rules: [{ reply: { text: 'x', toolCalls: [{ name: 'Write', arguments: { file_path: '/a', content: 'b' } }] } }] };
    expect(JSON.parse(resolveReply(forced, script).toolCalls[0]?.arguments ?? '')).toEqual({ file_path: '/a', content: 'b' });
  });

  it('"required" keeps offered calls or calls the first tool; "none" answers text only', () => {
    const required = resolveReply(request([{ role: 'user', content: 'hi' }], { toolChoice: 'required' }), empty);
    expect(required.toolCalls.map((c) => c.name)).toEqual(['Write']);
    expect(required.textTokens).toEqual([]);
    const none = resolveReply(request([{ role: 'user', content: '[[emulate tool=Bash]]' }], { toolChoice: 'none' }), empty);
    expect(none.toolCalls).toEqual([]);
    expect(none.textTokens.length).toBeGreaterThan(0);
  });
});
