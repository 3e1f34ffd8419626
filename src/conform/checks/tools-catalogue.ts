/**
 * Tool use beyond the single forced call (catalogue U2, U5, U6, U8, U9):
 * byte-exact arguments, parallel calls, text before a call, a tool without
 * arguments, and Claude-Code-style tool names.
 */
import type { Observation, RequestSpec, Target } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { WEATHER_TOOL } from '../exchanges.ts';
import { TOOL_USE_ID_PATTERN } from '../protocol.ts';
import type { StreamViolation } from '../stream-checker.ts';
import {
  attemptKey,
  counted,
  emulate,
  judgeRepeatedly,
  messages,
  readAnswer,
  send,
  TIME_TOOL,
  toolUses,
  uncounted,
  userTurn,
  type Answer,
  type Trial,
} from './scripted.ts';
import { isObject, listSome } from './support.ts';

/** Claude Code's Bash tool, reduced to what matters here. */
export const BASH_TOOL = {
  name: 'Bash',
  description: 'Run a shell command and return its output.',
  input_schema: {
    type: 'object',
    properties: { command: { type: 'string', description: 'The command to run' }, description: { type: 'string' } },
    required: ['command'],
  },
} as const;

/**
 * ~800 bytes of shell that break naive escaping: double and single quotes,
 * backslashes (a literal `\n` too), `$`, pipes, `;`, `&&`, a tab, UTF-8.
 */
export const HARD_COMMAND = [
  `cd "/tmp/claude bench/work dir" && printf 'it'"'"'s a "quoted" word\\n and a tab:\there\\n' > notes.txt`,
  `grep -E "foo|bar|b\\\\az" notes.txt | sed -e 's/\\"//g' -e "s/'//g" ; echo "$HOME" && echo '$HOME stays literal'`,
  `python3 -c "import json,sys; print(json.dumps({\\"k\\": \\"v\\\\n\\"}))" || true`,
  `node -e 'console.log("héllo wörld — 世界 ✓ 🚀", process.argv.length)' -- --flag="a b" && ls -la | wc -l`,
  `find . -name "*.ts" -not -path "./node_modules/*" -exec grep -l "deprecated\\|legacy" {} \\; 2>/dev/null | head -n 5`,
  `awk 'BEGIN { FS=":" } { print $1 "\\t" $NF }' /etc/passwd | sort -u | tail -n 3; test -d /tmp && echo ok`,
  `curl -s -H "Content-Type: application/json" -d '{"q": "a && b || c; d", "n": [1, 2]}' http://127.0.0.1:9/none || echo "curl failed: $?"`,
].join(' && ');

function bashSpec(target: Target): RequestSpec {
  return messages(target, {
    max_tokens: 1024,
    stream: true,
    tools: [BASH_TOOL],
    tool_choice: { type: 'tool', name: BASH_TOOL.name },
    messages: userTurn(
      `Run this exact command with the Bash tool, copying it character for character:\n${HARD_COMMAND}\n${emulate({ tool: BASH_TOOL.name, args: JSON.stringify({ command: HARD_COMMAND }) })}`,
    ),
  });
}

/** Where two strings first differ, with a little context. */
export function firstDifference(expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const around = (s: string): string => quote(s.slice(Math.max(0, i - 12), i + 24), 60);
  if (i === actual.length && i < expected.length) return `cut after ${i} of ${expected.length} characters (…${around(expected)} expected)`;
  return `first difference at character ${i}: expected …${around(expected)}, got …${around(actual)}`;
}

/** Grammar violations of the tool-use checks' streams: block lifecycle and delta types. */
function lifecycleProblems(answer: Answer): StreamViolation[] {
  return answer.violations.filter((v) => v.rule === 'S3' || v.rule === 'S4' || v.rule === 'U1');
}

async function judgeBash(ctx: CheckContext, attempt: number, scripted: boolean): Promise<Trial> {
  const read = readAnswer(await send(ctx, attemptKey('tool-bash', attempt), bashSpec(ctx.target)), 'the streamed Bash call');
  if (!read.ok) return counted(read.outcome);
  const calls = toolUses(read.value);
  const call = calls.find((c) => c['name'] === BASH_TOOL.name);
  if (!call) return scripted ? counted(outcome('fail', 'no Bash tool_use came back although the call was forced', read.value.evidence)) : uncounted('the model did not call Bash');
  const bad = lifecycleProblems(read.value)[0];
  if (bad) return counted(outcome('fail', `the Bash call's stream is broken: ${bad.message}`, bad.evidence));
  const input = call['input'];
  if (typeof input === 'string') return counted(outcome('fail', `tool_use.input is a JSON string (double-encoded): ${quote(input, 80)}`, read.value.evidence));
  if (!isObject(input) || typeof input['command'] !== 'string') {
    return counted(outcome('fail', `the reassembled input ${quote(input, 100)} has no string command; Claude Code reports "Invalid tool parameters"`, read.value.evidence));
  }
  const command = input['command'];
  if (command === HARD_COMMAND) return counted(outcome('pass', `the ${HARD_COMMAND.length}-character command with quotes, backslashes, a tab and UTF-8 came back byte-exact`));
  if (!scripted) return uncounted(`the model wrote its own command (${firstDifference(HARD_COMMAND, command)})`);
  return counted(
    outcome(
      'fail',
      `the command reaching Claude Code differs from what the upstream sent: ${firstDifference(HARD_COMMAND, command)} (9router#3416: "Bash was called with input that could not be parsed")`,
      read.value.evidence,
    ),
  );
}

// ─── U5: parallel calls ──────────────────────────────────────────────────────

const PARALLEL_CALLS = [
  { name: WEATHER_TOOL.name, arguments: { city: 'Paris' } },
  { name: TIME_TOOL.name, arguments: { timezone: 'Asia/Tokyo' } },
];

function parallelSpec(target: Target): RequestSpec {
  return messages(target, {
    max_tokens: 512,
    stream: true,
    tools: [WEATHER_TOOL, TIME_TOOL],
    messages: userTurn(
      `I need the weather in Paris and the local time in Tokyo. Call both tools at once, in parallel, in this one reply. ${emulate({ calls: JSON.stringify(PARALLEL_CALLS) })}`,
    ),
  });
}

async function judgeParallel(ctx: CheckContext, attempt: number, scripted: boolean): Promise<Trial> {
  const read = readAnswer(await send(ctx, attemptKey('tool-parallel', attempt), parallelSpec(ctx.target)), 'the streamed parallel tool calls');
  if (!read.ok) return counted(read.outcome);
  const calls = toolUses(read.value);
  const bad = lifecycleProblems(read.value)[0];
  if (bad) return counted(outcome('fail', `the parallel calls' stream is broken: ${bad.message}`, bad.evidence));
  if (calls.length < 2) {
    if (!scripted) return uncounted(`the model made ${calls.length} call(s), not two in one turn`);
    return counted(
      outcome('fail', `the upstream called get_weather and get_time in one turn but ${calls.length} tool_use block(s) reached the client: the gateway drops parallel calls`, read.value.evidence),
    );
  }
  const problems: string[] = [];
  const ids = calls.map((c) => c['id']);
  if (new Set(ids).size !== ids.length) problems.push(`tool_use ids repeat (${ids.map((id) => quote(id, 30)).join(', ')}); Anthropic rejects "tool_use ids must be unique"`);
  for (const id of ids) if (typeof id !== 'string' || !TOOL_USE_ID_PATTERN.test(id)) problems.push(`tool_use id ${quote(id, 40)} is empty or not ^[a-zA-Z0-9_-]+$`);
  for (const c of calls) if (!isObject(c['input'])) problems.push(`${quote(c['name'])} has input ${quote(c['input'], 60)}, not an object (arguments lost or mixed up)`);
  if (scripted) {
    const names = calls.map((c) => c['name']);
    const want = PARALLEL_CALLS.map((c) => c.name);
    if (JSON.stringify(names) !== JSON.stringify(want)) problems.push(`the calls are ${quote(names)}, the upstream made ${quote(want)}`);
    calls.forEach((c, i) => {
      const expected = PARALLEL_CALLS[i]?.arguments;
      if (expected && JSON.stringify(c['input']) !== JSON.stringify(expected)) problems.push(`call ${i} has input ${quote(c['input'], 60)}, the upstream sent ${quote(expected)}`);
    });
  }
  if (problems.length > 0) return counted(outcome('fail', listSome(problems), read.value.evidence));
  return counted(outcome('pass', `${calls.length} tool_use blocks in one turn, each started and stopped at its own index, distinct ids, object inputs`));
}

// ─── U6: text before a call ──────────────────────────────────────────────────

const PRE_TEXT = 'Let me check the weather for you.';

function textThenToolSpec(target: Target, preText: string): RequestSpec {
  return messages(target, {
    max_tokens: 256,
    stream: true,
    tools: [WEATHER_TOOL],
    messages: userTurn(`First say one short sentence, then call get_weather for Paris. ${emulate({ say: preText, tool: WEATHER_TOOL.name, args: '{"city":"Paris"}' })}`),
  });
}

/** Judge one text-then-tool stream: a call present, the text block closed before it starts (pure). */
export function judgeTextThenTool(answer: Answer, what: string, scripted: boolean): Trial {
  const calls = toolUses(answer);
  const bad = lifecycleProblems(answer)[0];
  if (bad) return counted(outcome('fail', `${what}: ${bad.message}`, bad.evidence));
  if (calls.length === 0) {
    if (!scripted) return uncounted(`${what}: the model did not call the tool`);
    return counted(outcome('fail', `${what}: the upstream wrote text and then called get_weather, but no tool_use reached the client (the text swallowed the call)`, answer.evidence));
  }
  const order = answer.blocks.map((b) => String(b['type']));
  const toolAt = order.indexOf('tool_use');
  if (order.slice(toolAt).includes('text') && scripted) {
    return counted(outcome('fail', `${what}: blocks came as [${order.join(', ')}], although the upstream wrote the text before the call`, answer.evidence));
  }
  return counted(outcome('pass', `${what}: [${order.join(', ')}], each block closed before the next`));
}

/** The tool-call shapes of U5 and U6 by exchange key (first attempt), for P4 to read too. */
export const TOOL_SHAPES: Readonly<Record<string, { readonly what: string; readonly spec: (target: Target) => RequestSpec }>> = {
  'tool-parallel': { what: 'the parallel calls', spec: parallelSpec },
  'tool-after-text': { what: 'a sentence, then the call', spec: (t) => textThenToolSpec(t, PRE_TEXT) },
  'tool-after-space': { what: 'whitespace-only text, then the call', spec: (t) => textThenToolSpec(t, '\n\n') },
};

// ─── U8: a tool without arguments ────────────────────────────────────────────

export const NO_ARG_TOOL = {
  name: 'list_open_files',
  description: 'List the files open in the editor. Takes no arguments.',
  input_schema: { type: 'object', properties: {} },
} as const;

function noArgSpec(target: Target, stream: boolean): RequestSpec {
  return messages(target, {
    max_tokens: 128,
    ...(stream ? { stream: true } : {}),
    tools: [NO_ARG_TOOL],
    tool_choice: { type: 'tool', name: NO_ARG_TOOL.name },
    messages: userTurn(`Which files are open? ${emulate({ tool: NO_ARG_TOOL.name })}`),
  });
}

// ─── U9: tool names ──────────────────────────────────────────────────────────

/** An MCP tool name as Claude Code builds it: mcp__<server>__<tool>. */
export const MCP_TOOL_NAME = 'mcp__claude-bench__read_file';
/** 64 characters, the API's longest tool name. */
export const LONG_TOOL_NAME = 'mcp__claude-bench-server__get_repository_file_contents_by_path_x';

function namedTool(name: string) {
  return { name, description: `Tool ${name}.`, input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } };
}

function namesSpec(target: Target, force: string): RequestSpec {
  return messages(target, {
    max_tokens: 128,
    stream: true,
    tools: [namedTool(MCP_TOOL_NAME), namedTool('web-search_v2'), namedTool(LONG_TOOL_NAME)],
    tool_choice: { type: 'tool', name: force },
    messages: userTurn(`Read the file README.md. ${emulate({ tool: force, args: '{"path":"README.md"}' })}`),
  });
}

async function judgeName(ctx: CheckContext, key: string, force: string): Promise<CheckOutcome | string> {
  const read = readAnswer(await send(ctx, key, namesSpec(ctx.target, force)), `the call forced to ${force}`);
  if (!read.ok) return read.outcome;
  const call = toolUses(read.value)[0];
  if (!call) return outcome('fail', `no tool_use came back although tool_choice forced ${quote(force)}`, read.value.evidence);
  const name = call['name'];
  if (name === force) return `${quote(force)} (${force.length} characters)`;
  const how =
    typeof name === 'string' && name.endsWith(force)
      ? 'prefixed'
      : typeof name === 'string' && force.startsWith(name)
        ? `truncated to ${name.length} characters`
        : 'changed';
  return outcome('fail', `the tool name came back ${how}: ${quote(name)} for ${quote(force)}; Claude Code finds no tool of that name`, read.value.evidence);
}

export const TOOLS_CATALOGUE_CHECKS = defineChecks({
  U2: {
    title: 'A long command with quotes, backslashes and UTF-8 arrives byte-exact',
    area: 'tools',
    severity: 'blocker',
    refs: ['decolua/9router#3416', 'BerriAI/litellm#29491'],
    run: (ctx) => judgeRepeatedly(ctx, (attempt, scripted) => judgeBash(ctx, attempt, scripted)),
  },
  U5: {
    title: 'Parallel tool calls: every call arrives, own index, unique id',
    area: 'tools',
    severity: 'blocker',
    refs: ['BerriAI/litellm#15307'],
    run: (ctx) => judgeRepeatedly(ctx, (attempt, scripted) => judgeParallel(ctx, attempt, scripted)),
  },
  U6: {
    title: 'Text before a tool call: text block closed, call not swallowed (also whitespace-only text)',
    area: 'tools',
    severity: 'blocker',
    refs: ['musistudio/claude-code-router#1356'],
    run: (ctx) =>
      judgeRepeatedly(ctx, async (attempt, scripted) => {
        const cases: [string, string][] = [
          ['tool-after-text', PRE_TEXT],
          ['tool-after-space', '\n\n'],
        ];
        const trials: Trial[] = [];
        for (const [key, pre] of cases) {
          const what = pre.trim() === '' ? 'whitespace-only text, then the call' : 'a sentence, then the call';
          const read = readAnswer(await send(ctx, attemptKey(key, attempt), textThenToolSpec(ctx.target, pre)), what);
          trials.push(read.ok ? judgeTextThenTool(read.value, what, scripted) : counted(read.outcome));
        }
        const worse = trials.find((t) => t.counted && t.outcome.status === 'fail') ?? trials.find((t) => !t.counted);
        if (worse) return worse;
        return counted(outcome('pass', trials.map((t) => t.outcome.detail).join('; ')));
      }),
  },
  U8: {
    title: 'A tool without arguments gets input {} (streamed and not)',
    area: 'tools',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const results: string[] = [];
      for (const stream of [true, false]) {
        const what = stream ? 'the streamed call of a no-argument tool' : 'the non-streamed call of a no-argument tool';
        const obs: Observation = await send(ctx, stream ? 'tool-noarg-stream' : 'tool-noarg-plain', noArgSpec(ctx.target, stream));
        const read = readAnswer(obs, what);
        if (!read.ok) return read.outcome;
        const call = toolUses(read.value).find((c) => c['name'] === NO_ARG_TOOL.name);
        if (!call) return outcome('fail', `${what}: no tool_use although tool_choice forced ${NO_ARG_TOOL.name}`, read.value.evidence);
        const notJson = read.value.violations.find((v) => v.code === 'tool-input-not-json');
        if (notJson) return outcome('fail', `${what}: ${notJson.message}; an empty argument list must stream as "" or "{}"`, notJson.evidence);
        const input = call['input'];
        if (!isObject(input)) return outcome('fail', `${what}: input is ${quote(input)}, not an object; Claude Code rejects the call`, read.value.evidence);
        results.push(`${stream ? 'streamed' : 'not streamed'} ${quote(input, 40)}`);
      }
      return outcome('pass', `input is an object: ${results.join(', ')}`);
    },
  },
  U9: {
    title: 'MCP-style and 64-character tool names come back unchanged',
    area: 'tools',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const seen: string[] = [];
      for (const [key, name] of [
        ['tool-name-mcp', MCP_TOOL_NAME],
        ['tool-name-long', LONG_TOOL_NAME],
      ] as const) {
        const result = await judgeName(ctx, key, name);
        if (typeof result !== 'string') return result;
        seen.push(result);
      }
      return outcome('pass', `names preserved exactly: ${seen.join(', ')}`);
    },
  },
});
