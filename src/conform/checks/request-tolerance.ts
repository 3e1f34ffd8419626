/**
 * Request tolerance (catalogue R2–R22): what Claude Code sends must be
 * accepted. Each check sends one small request (or a few) shaped on one
 * feature, so a rejection names the feature.
 */
import type { Observation } from '../../types.ts';
import { ccMetadata, ccTools, CC_BETA_FLAGS } from '../../claude-code/shapes.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome } from '../check.ts';
import { quote } from '../evidence.ts';
import { WEATHER_TOOL } from '../exchanges.ts';
import { stopReasonProblem } from './response.ts';
import {
  acceptance,
  allAccepted,
  answered,
  blocksOf,
  cleanRejectionProblems,
  contextFacts,
  errorMessageOf,
  post,
  rate,
  repeatExchange,
  SAY_OK,
  send,
  smallBody,
  textOf,
  type Acceptance,
} from './catalogue-support.ts';
import { bodyText, describeAnswer, isCount, isObject, listSome, type Json } from './support.ts';

const EPHEMERAL = { type: 'ephemeral' } as const;
const TOOL_A = 'toolu_01CbBenchToolA0000000001';
const TOOL_B = 'toolu_01CbBenchToolB0000000002';

/** A 1×1 transparent PNG. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** A one-page PDF with the text "claude-bench" (hand-written, minimal). */
const PDF_MINIMAL = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 50]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n' +
    '4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 10 20 Td (claude-bench) Tj ET\nendstream endobj\n' +
    '5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
).toString('base64');

/** One request that must be accepted: the outcome in one call. */
async function accepted(ctx: CheckContext, key: string, body: Json, what: string, fix: string, headers?: Record<string, string>): Promise<Acceptance> {
  return acceptance(answered(await send(ctx, key, post(body, headers ? { headers } : {}))), what, fix);
}

/** History where the assistant called get_weather once (id TOOL_A). */
function weatherHistory(assistantExtra: Json[] = [], result: Json = { type: 'tool_result', tool_use_id: TOOL_A, content: '18 °C, clear sky' }): Json[] {
  return [
    { role: 'user', content: 'What is the weather in Paris?' },
    { role: 'assistant', content: [...assistantExtra, { type: 'tool_use', id: TOOL_A, name: WEATHER_TOOL.name, input: { city: 'Paris' } }] },
    { role: 'user', content: [result, { type: 'text', text: SAY_OK }] },
  ];
}

// ─── R5: mid-conversation system messages ─────────────────────────────────────

/** Claude Code retries without system-role messages only when a 400 says "not supported" near "role … system". */
export function isRetryableSystemRoleRejection(status: number | null, message: string): boolean {
  return status === 400 && /not supported/i.test(message) && /\brole\b.{0,40}\bsystem\b|\bsystem\b.{0,40}\brole\b/i.test(message);
}

// ─── R11: stop sequences ──────────────────────────────────────────────────────

export const STOP_SEQUENCE = 'STOPX';
const STOP_TRIES = 3;

type StopTrial = 'ok' | 'leaked' | 'misreported' | 'bad-field' | 'rejected' | 'inconclusive';

/** Judge one answer to "repeat: one two STOPX three four" with stop_sequences [STOPX]. */
export function judgeStopTrial(obs: Observation): { trial: StopTrial; note: string } {
  const got = acceptance(obs, 'the stop_sequences request', '');
  if (!got.ok) return { trial: 'rejected', note: describeAnswer(obs) };
  const text = textOf(got.message);
  const reason = got.message['stop_reason'];
  const seq = got.message['stop_sequence'];
  if (text.includes(STOP_SEQUENCE)) return { trial: 'leaked', note: `the text ${quote(text, 80)} runs past ${STOP_SEQUENCE} (stop_reason ${quote(reason)})` };
  if (reason === 'stop_sequence') {
    return seq === STOP_SEQUENCE ? { trial: 'ok', note: 'stopped' } : { trial: 'bad-field', note: `stop_reason "stop_sequence" but stop_sequence is ${quote(seq)}, expected "${STOP_SEQUENCE}"` };
  }
  // Cut right where the sequence would have been, but reported as a natural stop.
  if (/\btwo\b/i.test(text) && !/\bthree\b/i.test(text)) {
    return { trial: 'misreported', note: `generation stopped before ${STOP_SEQUENCE} but stop_reason is ${quote(reason)} and stop_sequence ${quote(seq)}` };
  }
  return { trial: 'inconclusive', note: `the model did not write the sequence (${quote(text, 60)})` };
}

// ─── R15 ──────────────────────────────────────────────────────────────────────

/** max_tokens Claude Code sends with its default Claude model id; over any local window. */
const HUGE_MAX_TOKENS = 128_000;

export const REQUEST_TOLERANCE_CHECKS = defineChecks({
  R2: {
    title: 'User content as a string and as several text blocks accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const body = smallBody(ctx.target, {
        messages: [
          { role: 'user', content: 'Hello.' },
          { role: 'assistant', content: 'Hello! How can I help?' },
          { role: 'user', content: [{ type: 'text', text: 'First part of the question.' }, { type: 'text', text: SAY_OK }] },
        ],
      });
      const got = await accepted(ctx, 'content-forms', body, 'a conversation with string content and a user turn of two text blocks', 'Claude Code sends user turns as arrays of text blocks.');
      return got.ok ? outcome('pass', 'string content and multi-block content both accepted') : got.outcome;
    },
  },
  R3: {
    title: 'cache_control on message blocks, tool_result, tools and top level accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const body = smallBody(ctx.target, {
        cache_control: EPHEMERAL,
        tools: [{ ...WEATHER_TOOL, cache_control: EPHEMERAL }],
        messages: weatherHistory([], { type: 'tool_result', tool_use_id: TOOL_A, content: '18 °C', cache_control: EPHEMERAL }).map((m, i) =>
          i === 0 ? { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?', cache_control: { type: 'ephemeral', ttl: '1h' } }] } : m,
        ),
      });
      const got = await accepted(ctx, 'cache-control', body, 'a request with cache_control on a text block, a tool_result, a tool and the top level', 'Ignore cache_control if you do not cache: Claude Code marks its last tool_result and system blocks with it.');
      return got.ok ? outcome('pass', 'cache_control accepted everywhere Claude Code puts it') : got.outcome;
    },
  },
  R4: {
    title: 'metadata.user_id accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const got = await accepted(ctx, 'metadata', smallBody(ctx.target, { metadata: ccMetadata() }), 'a request with metadata.user_id (a JSON string, as Claude Code sends it)', 'Accept or ignore metadata; Claude Code sends it on every request.');
      return got.ok ? outcome('pass', 'metadata.user_id accepted') : got.outcome;
    },
  },
  R5: {
    title: 'role:"system" messages inside messages[] accepted (array and string content)',
    area: 'request',
    severity: 'blocker',
    refs: ['vllm-project/vllm#44000', 'vllm-project/vllm#48874', 'JustVugg/colibri#725', 'Alishahryar1/free-claude-code#625', 'jwadow/kiro-gateway#255', 'router-for-me/CLIProxyAPI#3625'],
    async run(ctx) {
      const forms: { key: string; what: string; system: Json }[] = [
        { key: 'system-message-array', what: 'a role:"system" message with text blocks and cache_control (Claude Code\'s first request)', system: { role: 'system', content: [{ type: 'text', text: '# Environment\nWorking directory: /tmp/work', cache_control: EPHEMERAL }] } },
        { key: 'system-message-string', what: 'a role:"system" message with string content (Claude Code\'s later requests)', system: { role: 'system', content: '# Environment\nWorking directory: /tmp/work' } },
      ];
      let retryable: string | null = null;
      for (const f of forms) {
        const body = smallBody(ctx.target, { messages: [{ role: 'user', content: 'Hello.' }, f.system, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: SAY_OK }] });
        const obs = answered(await send(ctx, f.key, post(body)));
        const got = acceptance(obs, f.what, '');
        if (got.ok) continue;
        const message = errorMessageOf(obs);
        if (isRetryableSystemRoleRejection(obs.status, message) && cleanRejectionProblems(obs).length === 0) {
          retryable ??= message;
          continue;
        }
        return outcome(
          'fail',
          `the gateway rejected ${f.what}: ${describeAnswer(obs)}. Claude Code ≥ 2.1.154 sends them on every request; accept them (merge into the system prompt), or answer 400 invalid_request_error saying "role 'system' … not supported" so Claude Code retries without them`,
          bodyText(obs),
        );
      }
      if (retryable !== null) {
        return outcome('warn', `role:"system" messages are refused with a 400 Claude Code recognises (${quote(retryable, 100)}), so it retries without them: every turn costs a failed request and the messages' context is lost`);
      }
      return outcome('pass', 'role:"system" messages accepted with array and with string content');
    },
  },
  R6: {
    title: 'thinking (adaptive, enabled, disabled) and output_config.effort accepted, answer not empty',
    area: 'request',
    severity: 'blocker',
    refs: ['anthropics/claude-code#68551', 'anthropics/claude-code#55211', 'databricks/unity-gateway#102'],
    async run(ctx) {
      const variants: { key: string; what: string; extra: Json }[] = [
        { key: 'thinking-adaptive', what: 'thinking {type:"adaptive"} with output_config {effort:"high"} (what Claude Code sends for an unknown model)', extra: { max_tokens: 256, thinking: { type: 'adaptive' }, output_config: { effort: 'high' } } },
        { key: 'thinking-enabled', what: 'thinking {type:"enabled", budget_tokens:1024}', extra: { max_tokens: 1100, thinking: { type: 'enabled', budget_tokens: 1024 } } },
        { key: 'thinking-disabled', what: 'thinking {type:"disabled"}', extra: { thinking: { type: 'disabled' } } },
      ];
      for (const v of variants) {
        const got = await accepted(ctx, v.key, smallBody(ctx.target, v.extra), `a request with ${v.what}`, 'Accept the thinking field and map it (or drop it) for the backend.');
        if (!got.ok) return got.outcome;
        if (blocksOf(got.message).length === 0) {
          return outcome('fail', `the answer to a request with ${v.what} has no content blocks: Claude Code shows nothing and the turn is lost`, got.obs.body ?? '');
        }
      }
      return outcome('pass', 'adaptive, enabled and disabled thinking, and output_config.effort, all accepted with non-empty answers');
    },
  },
  R7: {
    title: 'Assistant history with thinking and redacted_thinking blocks accepted',
    area: 'request',
    severity: 'blocker',
    refs: ['intel/llm-scaler#341', 'BerriAI/litellm#22997'],
    async run(ctx) {
      const history = weatherHistory([
        { type: 'thinking', thinking: 'I should look the weather up.', signature: '' },
        { type: 'thinking', thinking: 'Paris it is.', signature: 'c2lnbmF0dXJlLWZyb20tYW5vdGhlci1nYXRld2F5' },
        { type: 'redacted_thinking', data: 'cmVkYWN0ZWQtdGhpbmtpbmctZGF0YQ==' },
      ]);
      const got = await accepted(ctx, 'thinking-history', smallBody(ctx.target, { tools: [WEATHER_TOOL], messages: history }), 'history whose assistant turn holds thinking blocks (empty and foreign signatures) and a redacted_thinking block before its tool_use', 'Claude Code echoes thinking blocks back; accept them (drop or convert them for the backend).');
      return got.ok ? outcome('pass', 'thinking and redacted_thinking in history accepted') : got.outcome;
    },
  },
  R8: {
    title: 'tool_result variants accepted (string, blocks, is_error, with text, two in one turn)',
    area: 'request',
    severity: 'blocker',
    refs: ['BerriAI/litellm#16711'],
    async run(ctx) {
      const body = smallBody(ctx.target, {
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'What is the weather in Paris and in Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking both.' },
              { type: 'tool_use', id: TOOL_A, name: WEATHER_TOOL.name, input: { city: 'Paris' } },
              { type: 'tool_use', id: TOOL_B, name: WEATHER_TOOL.name, input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            // Completion order, not call order, as Claude Code sends parallel results.
            content: [
              { type: 'tool_result', tool_use_id: TOOL_B, content: 'weather service timed out', is_error: true },
              { type: 'tool_result', tool_use_id: TOOL_A, content: [{ type: 'text', text: '18 °C' }, { type: 'text', text: 'clear sky' }] },
              { type: 'text', text: SAY_OK },
            ],
          },
        ],
      });
      const got = await accepted(ctx, 'tool-result-variants', body, 'a user turn with two tool_results (one is_error with string content, one with text blocks) followed by text', 'Claude Code sends every one of these forms.');
      return got.ok ? outcome('pass', 'string, block, is_error and paired tool_results followed by text accepted') : got.outcome;
    },
  },
  R9: {
    title: 'Tool definitions with Claude Code\'s extra fields and JSON Schema keywords accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const cc = ccTools().filter((t) => ['Bash', 'Write', 'Workflow', 'ScheduleWakeup', 'DeferredToolPlaceholder'].includes(String(t['name'])));
      const tools = [
        ...cc,
        { ...WEATHER_TOOL, type: 'custom', strict: true, eager_input_streaming: true, input_examples: [{ city: 'Paris' }] },
        { name: 'no_args', description: 'A tool without arguments.', input_schema: { type: 'object', properties: {} } },
      ];
      const got = await accepted(ctx, 'tool-fields', smallBody(ctx.target, { tools }), 'tools with strict, defer_loading, input_examples, eager_input_streaming, type "custom", $schema, additionalProperties, anyOf, enum and nested objects', 'Drop the tool fields and schema keywords your backend does not know instead of rejecting the request.');
      return got.ok ? outcome('pass', `${tools.length} tools with every extra field accepted`) : got.outcome;
    },
  },
  R10: {
    title: 'tool_choice auto, any, tool, none accepted and honoured',
    area: 'request',
    // Claude Code 2.1.332's main loop sends no tool_choice (observed); Agent SDK callers and forced-tool features do.
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const question = 'What is the weather in Paris? Use the get_weather tool. [[emulate tool=get_weather]]';
      const choices: { key: string; choice: Json; expectTool: boolean | null }[] = [
        { key: 'tool-choice-auto', choice: { type: 'auto', disable_parallel_tool_use: true }, expectTool: null },
        { key: 'tool-choice-any', choice: { type: 'any' }, expectTool: true },
        { key: 'tool-choice-tool', choice: { type: 'tool', name: WEATHER_TOOL.name }, expectTool: true },
        { key: 'tool-choice-none', choice: { type: 'none' }, expectTool: false },
      ];
      const ignored: string[] = [];
      const rejected: { choice: string; obs: Observation }[] = [];
      for (const c of choices) {
        const body = { model: ctx.target.model, max_tokens: 128, tools: [WEATHER_TOOL], tool_choice: c.choice, messages: [{ role: 'user', content: question }] };
        const got = acceptance(answered(await send(ctx, c.key, post(body))), `a request with tool_choice ${quote(c.choice)}`, '');
        if (!got.ok) {
          rejected.push({ choice: String(c.choice['type']), obs: got.obs });
          continue;
        }
        const called = blocksOf(got.message).some((b) => b['type'] === 'tool_use');
        if (c.expectTool === true && !called) ignored.push(`${String(c.choice['type'])} returned no tool_use`);
        if (c.expectTool === false && called) ignored.push('none still returned a tool_use');
      }
      const first = rejected[0];
      if (first) {
        return outcome(
          'fail',
          `tool_choice ${rejected.map((r) => `"${r.choice}"`).join(', ')} rejected (${first.choice}: ${describeAnswer(first.obs)}). ` +
            'Map tool_choice to the backend\'s equivalent (OpenAI: any → "required", tool → {"type":"function",…}; vLLM\'s auto needs --enable-auto-tool-choice and --tool-call-parser). ' +
            "Claude Code's main loop sends no tool_choice; Agent SDK callers do",
          bodyText(first.obs),
        );
      }
      if (ignored.length > 0) return outcome('warn', `every tool_choice was accepted but not honoured: ${listSome(ignored)}`);
      return outcome('pass', 'auto (with disable_parallel_tool_use), any, tool and none accepted and honoured');
    },
  },
  R11: {
    title: 'stop_sequences stop generation and report stop_reason stop_sequence',
    area: 'request',
    severity: 'degraded',
    refs: ['BerriAI/litellm#33075', 'BerriAI/litellm#37118', 'exo-explore/exo#2122'],
    async run(ctx) {
      const body = {
        model: ctx.target.model,
        max_tokens: 32,
        stop_sequences: [STOP_SEQUENCE],
        messages: [{ role: 'user', content: `Repeat exactly, and nothing else: one two ${STOP_SEQUENCE} three four [[emulate say="one two ${STOP_SEQUENCE} three four"]]` }],
      };
      const observations = await repeatExchange(ctx, 'stop-sequence', post(body), STOP_TRIES);
      const trials = observations.map((o) => ({ obs: answered(o), ...judgeStopTrial(o) }));
      const rejected = trials.find((t) => t.trial === 'rejected');
      if (rejected) {
        return outcome('fail', `a request with stop_sequences was rejected (${rejected.note}); Claude Code's auto-mode classifier sends it: translate it (OpenAI "stop")`, bodyText(rejected.obs));
      }
      const conclusive = trials.filter((t) => t.trial !== 'inconclusive');
      const ok = conclusive.filter((t) => t.trial === 'ok').length;
      if (conclusive.length === 0) return outcome('warn', `the model never wrote the stop sequence in ${STOP_TRIES} tries, so the check could not judge (${trials[0]?.note ?? ''})`);
      const bad = conclusive.find((t) => t.trial !== 'ok');
      if (bad) {
        const fix = bad.trial === 'leaked' ? 'pass stop_sequences to the backend (OpenAI "stop")' : 'report stop_reason "stop_sequence" with the matched sequence in stop_sequence';
        return outcome('fail', `pass rate ${rate(ok, conclusive.length)}: ${bad.note}; ${fix}`, bad.obs.body ?? bodyText(bad.obs));
      }
      return outcome('pass', `pass rate ${rate(ok, conclusive.length)}: generation stopped at ${STOP_SEQUENCE} with stop_reason "stop_sequence"${conclusive.length < STOP_TRIES ? ` (${STOP_TRIES - conclusive.length} tries inconclusive)` : ''}`);
    },
  },
  R12: {
    title: 'context_management with its anthropic-beta flag accepted',
    area: 'request',
    severity: 'blocker',
    refs: [],
    async run(ctx) {
      const body = smallBody(ctx.target, { context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] } });
      const got = await accepted(ctx, 'context-management', body, 'a request with context_management and anthropic-beta context-management-2025-06-27', 'Ignore context_management (or apply it); never 400 "Extra inputs are not permitted": Claude Code does not retry that.', { 'anthropic-beta': CC_BETA_FLAGS.join(',') });
      return got.ok ? outcome('pass', 'context_management accepted') : got.outcome;
    },
  },
  R13: {
    title: 'An image block is accepted or refused cleanly (400 invalid_request_error)',
    area: 'request',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      return mediaOutcome(ctx, 'image', { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } }, 'a base64 PNG');
    },
  },
  R14: {
    title: 'A PDF document block is accepted or refused cleanly',
    area: 'request',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      return mediaOutcome(ctx, 'document', { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_MINIMAL } }, 'a base64 PDF document');
    },
  },
  R15: {
    title: `max_tokens over the context window: clamped, or refused in Anthropic's wording`,
    area: 'request',
    severity: 'blocker',
    refs: ['musistudio/claude-code-router#1799', 'Menci/Floway#166'],
    async run(ctx) {
      const obs = answered(await send(ctx, 'huge-max-tokens', post(smallBody(ctx.target, { max_tokens: HUGE_MAX_TOKENS }))));
      const got = acceptance(obs, `a short request with max_tokens ${HUGE_MAX_TOKENS}`, '');
      if (got.ok) return outcome('pass', `max_tokens ${HUGE_MAX_TOKENS} accepted (the window holds it, or the gateway clamps it)`);
      const message = errorMessageOf(obs);
      const facts = contextFacts(message);
      if (facts.anthropicRetryable) {
        return outcome('pass', `refused with Anthropic's wording (${quote(message, 100)}): Claude Code lowers max_tokens and retries`);
      }
      return outcome(
        'fail',
        `max_tokens ${HUGE_MAX_TOKENS} (what Claude Code sends with its default model id) got ${describeAnswer(obs)}. Claude Code only recovers from ` +
          '"input length and `max_tokens` exceed context limit: X + Y > Z": clamp max_tokens to what the window leaves, or rewrite the backend\'s error in that wording. ' +
          `Users: set CLAUDE_CODE_MAX_OUTPUT_TOKENS below the window${facts.window ? ` (${facts.window} tokens)` : ''}`,
        bodyText(obs),
      );
    },
  },
  R16: {
    title: 'The max_tokens=1 "quota" probe gets a valid answer',
    area: 'request',
    severity: 'blocker',
    refs: ['BerriAI/litellm#35061', 'Wei-Shaw/sub2api#6838', 'teremterem/claude-code-gpt-5-codex#79'],
    async run(ctx) {
      const obs = answered(await send(ctx, 'quota-probe', post({ model: ctx.target.model, max_tokens: 1, messages: [{ role: 'user', content: 'quota' }] })));
      const got = acceptance(obs, 'the probe {"max_tokens":1,"messages":[{"role":"user","content":"quota"}]}', 'Claude Code sends it at start-up and on /model; a refusal makes it think the model is unavailable.');
      if (!got.ok) return got.outcome;
      const problems: string[] = [];
      const reason = got.message['stop_reason'];
      const reasonProblem = stopReasonProblem(reason);
      if (reasonProblem) problems.push(reasonProblem);
      else if (reason !== 'max_tokens' && reason !== 'end_turn') problems.push(`stop_reason ${quote(reason)}, expected "max_tokens" (or "end_turn")`);
      const usage = isObject(got.message['usage']) ? got.message['usage'] : null;
      if (!usage || !isCount(usage['input_tokens']) || !isCount(usage['output_tokens'])) problems.push(`usage is ${quote(usage)}, expected integer input_tokens and output_tokens`);
      if (problems.length > 0) return outcome('fail', `the probe was accepted but ${listSome(problems)}`, got.obs.body ?? '');
      return outcome('pass', `HTTP 200, stop_reason ${quote(reason)}, usage ${quote(usage)}`);
    },
  },
  R17: {
    title: 'temperature, top_p, top_k (and temperature 1 with thinking) accepted',
    area: 'request',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const result = await allAccepted(
        ctx,
        [
          { key: 'sampling', what: 'a request with temperature 0.2, top_p 0.9 and top_k 40', spec: post(smallBody(ctx.target, { temperature: 0.2, top_p: 0.9, top_k: 40 })) },
          { key: 'sampling-thinking', what: 'a request with temperature 1 and thinking enabled', spec: post(smallBody(ctx.target, { max_tokens: 1100, temperature: 1, thinking: { type: 'enabled', budget_tokens: 1024 } })) },
        ],
        'Accept sampling parameters; drop the ones the backend lacks.',
      );
      return result.ok ? outcome('pass', 'temperature, top_p, top_k accepted, also with thinking') : result.outcome;
    },
  },
  R18: {
    title: 'Claude model ids are mapped, or refused with 404 not_found_error',
    area: 'request',
    severity: 'degraded',
    refs: ['ggml-org/llama.cpp#17968'],
    async run(ctx) {
      const ids = ['claude-sonnet-4-6', 'claude-haiku-4-5'].filter((id) => id !== ctx.target.model);
      const unmapped: string[] = [];
      for (const id of ids) {
        const obs = answered(await send(ctx, `model-${id}`, post(smallBody({ model: id }))));
        const got = acceptance(obs, `a request for model ${id}`, '');
        if (got.ok) continue;
        if (obs.status === 404 && cleanRejectionProblems(obs).length === 0) {
          unmapped.push(id);
          continue;
        }
        return outcome('fail', `model ${quote(id)} got ${describeAnswer(obs)}; unknown models must be refused with 404 not_found_error in the Anthropic envelope (or mapped to a served model)`, bodyText(obs));
      }
      if (unmapped.length > 0) {
        return outcome('warn', `${unmapped.join(' and ')} refused with a clean 404: Claude Code's background (haiku) and default requests use Claude ids, so set ANTHROPIC_MODEL and ANTHROPIC_DEFAULT_HAIKU_MODEL (etc.) to ${quote(ctx.target.model)}, or map the ids in the gateway`);
      }
      return outcome('pass', `${ids.join(' and ')} mapped to a served model`);
    },
  },
  R19: {
    title: 'History with an empty text block next to tool_use accepted',
    area: 'request',
    severity: 'degraded',
    refs: ['BerriAI/litellm#22930'],
    async run(ctx) {
      const got = await accepted(ctx, 'empty-text-history', smallBody(ctx.target, { tools: [WEATHER_TOOL], messages: weatherHistory([{ type: 'text', text: '' }]) }), 'history with {"type":"text","text":""} before a tool_use', 'Drop empty text blocks instead of rejecting; some gateways emit them and Claude Code sends them back.');
      return got.ok ? outcome('pass', 'an empty text block in history accepted') : got.outcome;
    },
  },
  R20: {
    title: 'tool_reference in tool_result and tool_addition/tool_removal in a system message accepted',
    area: 'request',
    severity: 'degraded',
    refs: ['KarpelesLab/teamclaude#451'],
    async run(ctx) {
      const lazy = { name: 'lazy_tool', description: 'Loaded on demand.', input_schema: { type: 'object', properties: {} }, defer_loading: true };
      const body = smallBody(ctx.target, {
        tools: [WEATHER_TOOL, lazy],
        messages: [
          { role: 'user', content: 'Find a weather tool.' },
          { role: 'assistant', content: [{ type: 'tool_use', id: TOOL_A, name: WEATHER_TOOL.name, input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: TOOL_A, content: [{ type: 'tool_reference', tool_name: 'lazy_tool' }] }] },
          {
            role: 'system',
            content: [
              { type: 'text', text: 'Tools changed.' },
              { type: 'tool_addition', tool: { type: 'tool_definition', definition: { name: 'added_tool', description: 'Added mid-conversation.', input_schema: { type: 'object', properties: {} } } } },
              { type: 'tool_removal', tool: { type: 'tool_reference', name: 'lazy_tool' } },
            ],
          },
          { role: 'assistant', content: 'Noted.' },
          { role: 'user', content: SAY_OK },
        ],
      });
      const got = await accepted(ctx, 'tool-changes', body, 'tool_reference, tool_addition and tool_removal blocks', 'Strip block types the backend does not know (tool search and mid-conversation tool changes send them).');
      return got.ok ? outcome('pass', 'tool_reference, tool_addition and tool_removal accepted') : got.outcome;
    },
  },
  R21: {
    title: 'Unknown top-level fields (service_tier, container, inference_geo, speed, user_profile_id) accepted',
    area: 'request',
    severity: 'degraded',
    refs: [],
    async run(ctx) {
      const extra = { service_tier: 'auto', container: null, inference_geo: null, speed: 'standard', user_profile_id: null };
      const got = await accepted(ctx, 'unknown-fields', smallBody(ctx.target, extra), `a request with ${Object.keys(extra).join(', ')}`, 'Ignore top-level fields you do not know: the API grows them with every Claude Code release.');
      return got.ok ? outcome('pass', 'unknown top-level fields ignored') : got.outcome;
    },
  },
  R22: {
    title: 'Empty or missing messages, missing max_tokens → 400 invalid_request_error',
    area: 'request',
    severity: 'cosmetic',
    refs: [],
    async run(ctx) {
      const m = ctx.target.model;
      const cases: { key: string; what: string; body: Json }[] = [
        { key: 'empty-messages', what: 'messages: []', body: { model: m, max_tokens: 16, messages: [] } },
        { key: 'no-messages', what: 'no messages', body: { model: m, max_tokens: 16 } },
        { key: 'no-max-tokens', what: 'no max_tokens', body: { model: m, messages: [{ role: 'user', content: SAY_OK }] } },
      ];
      const wrong: { text: string; evidence: string }[] = [];
      for (const c of cases) {
        const obs = answered(await send(ctx, c.key, post(c.body)));
        const status = obs.status ?? 0;
        if (status >= 200 && status < 300) {
          wrong.push({ text: `${c.what} was accepted (HTTP ${status})`, evidence: bodyText(obs) });
          continue;
        }
        const problems = status === 400 ? cleanRejectionProblems(obs) : [`HTTP ${status}, expected 400`];
        if (problems.length > 0) wrong.push({ text: `${c.what}: ${describeAnswer(obs)} (${listSome(problems, 2)})`, evidence: bodyText(obs) });
      }
      if (wrong.length > 0) return outcome('fail', listSome(wrong.map((w) => w.text)), wrong[0]?.evidence);
      return outcome('pass', 'all three refused with 400 invalid_request_error');
    },
  },
});

/** An image or document must be accepted, or refused with a clean 4xx (never 500 or HTML). */
async function mediaOutcome(ctx: CheckContext, key: string, block: Json, what: string): Promise<CheckOutcome> {
  const body = smallBody(ctx.target, { messages: [{ role: 'user', content: [block, { type: 'text', text: `Describe it in one word. ${SAY_OK}` }] }] });
  const obs = answered(await send(ctx, key, post(body)));
  const got = acceptance(obs, `a request with ${what}`, '');
  if (got.ok) return outcome('pass', `${what} accepted`);
  const problems = cleanRejectionProblems(obs);
  if (problems.length === 0) return outcome('pass', `${what} refused cleanly: ${describeAnswer(obs)}`);
  return outcome(
    'fail',
    `${what} got ${describeAnswer(obs)} (${listSome(problems, 2)}); a model without ${key} input should answer 400 invalid_request_error in the Anthropic envelope, which Claude Code shows the user, not ${obs.status !== null && obs.status >= 500 ? 'a 5xx it retries' : 'this'}`,
    bodyText(obs),
  );
}
