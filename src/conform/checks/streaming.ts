/**
 * Streaming grammar (catalogue S1–S7): each rule is a separate verdict over
 * the same recorded streams (the text answer and, when it streamed, the
 * forced tool call), judged by the Claude-Code-strict stream checker.
 */
import type { Observation, SseEvent } from '../../types.ts';
import { defineChecks, outcome, type CheckContext, type CheckOutcome, type CheckSpec } from '../check.ts';
import { EXCHANGE_LABELS, exchange } from '../exchanges.ts';
import { checkStream, type StreamRule, type StreamViolation, type StreamViolationCode } from '../stream-checker.ts';
import { ensureAnswered, readStream, type Read } from './support.ts';

export interface RecordedStream {
  readonly label: string;
  readonly events: readonly SseEvent[];
}

/**
 * The streams to judge: the text stream is required (its failure is the
 * outcome); the tool stream joins when it came back as a stream (its HTTP
 * failures are the tool checks' business).
 */
export async function recordedStreams(ctx: CheckContext): Promise<Read<readonly RecordedStream[]>> {
  const textObs = await exchange(ctx, 'stream-text');
  const text = readStream(textObs, EXCHANGE_LABELS['stream-text']);
  if (!text.ok) return text;
  const streams: RecordedStream[] = [{ label: streamLabel(textObs, 'stream-text'), events: text.value }];
  const toolObs = await exchange(ctx, 'tool-stream');
  ensureAnswered(toolObs);
  const tool = readStream(toolObs, EXCHANGE_LABELS['tool-stream']);
  if (tool.ok) streams.push({ label: streamLabel(toolObs, 'tool-stream'), events: tool.value });
  return { ok: true, value: streams };
}

/** The exchange's words, plus how the connection ended when it did not end cleanly. */
function streamLabel(obs: Observation, name: 'stream-text' | 'tool-stream'): string {
  return obs.error ? `${EXCHANGE_LABELS[name]} (cut off by ${obs.error.kind}: ${obs.error.message})` : EXCHANGE_LABELS[name];
}

interface RuleCheck {
  readonly title: string;
  readonly severity: CheckSpec['severity'];
  readonly refs: readonly string[];
  readonly rule: StreamRule;
  /** What holds when the rule passes. */
  readonly holds: string;
  /** Violations that are only cosmetic: the verdict is `warn` when all found are among them. */
  readonly cosmetic?: readonly StreamViolationCode[];
}

/** Rules that need a readable message_start before anything else can be judged. */
const NEEDS_MESSAGE: ReadonlySet<StreamRule> = new Set(['S3', 'S4', 'S5', 'S6', 'S7']);

function judge(spec: RuleCheck, streams: readonly RecordedStream[]): CheckOutcome {
  const found: { label: string; length: number; violation: StreamViolation }[] = [];
  let events = 0;
  for (const stream of streams) {
    events += stream.events.length;
    const violations = checkStream(stream.events);
    const unreadable = violations.find((v) => v.code === 'no-message-start');
    if (unreadable && NEEDS_MESSAGE.has(spec.rule)) {
      return outcome(
        'fail',
        `${stream.label}: no message_start Claude Code could read, so the rest of the stream is lost to it (see S1/S2)`,
        stream.events[0]?.raw ?? '',
      );
    }
    for (const violation of violations) if (violation.rule === spec.rule) found.push({ label: stream.label, length: stream.events.length, violation });
  }
  const first = found[0];
  if (!first) return outcome('pass', `${spec.holds} (${streams.length} stream(s), ${events} events)`);
  const cosmetic = spec.cosmetic ?? [];
  const status = found.every((f) => cosmetic.includes(f.violation.code)) ? 'warn' : 'fail';
  const more = found.length > 1 ? ` (${found.length - 1} more ${spec.rule} violation(s))` : '';
  const where = first.violation.eventIndex >= first.length ? 'at the end of the stream' : `event #${first.violation.eventIndex}`;
  return outcome(status, `${first.label}, ${where}: ${first.violation.message}${more}`, first.violation.evidence);
}

function ruleCheck(spec: RuleCheck): CheckSpec {
  return {
    title: spec.title,
    area: 'streaming',
    severity: spec.severity,
    refs: spec.refs,
    async run(ctx) {
      const streams = await recordedStreams(ctx);
      if (!streams.ok) return streams.outcome;
      return judge(spec, streams.value);
    },
  };
}

export const STREAMING_CHECKS = defineChecks({
  S1: ruleCheck({
    title: 'SSE frames are named and match their data.type',
    severity: 'blocker',
    refs: [],
    rule: 'S1',
    holds: 'every frame has an event: name, JSON data, and data.type equal to the name',
  }),
  S2: ruleCheck({
    title: 'Exactly one complete message_start, first',
    severity: 'blocker',
    refs: ['anthropics/claude-code#45623', 'BerriAI/litellm#32357', 'BerriAI/litellm#24176'],
    rule: 'S2',
    holds: 'one message_start before any other event, with id, role, empty content and usage',
  }),
  S3: ruleCheck({
    title: 'Content blocks numbered from 0, one open at a time, all stopped',
    severity: 'blocker',
    refs: ['BerriAI/litellm#13373', 'ollama/ollama#17101', 'ankitcharolia/kiro-gateway#74'],
    rule: 'S3',
    holds: 'blocks start at index 0, count up by one, never overlap, and each is stopped',
  }),
  S4: ruleCheck({
    title: 'Delta types match their block types',
    severity: 'blocker',
    refs: ['BerriAI/litellm#33224', 'BerriAI/litellm#25214', 'anthropics/claude-code#47375', 'musistudio/claude-code-router#1356'],
    rule: 'S4',
    holds: 'text_delta only in text blocks, input_json_delta only in tool_use blocks, thinking deltas only in thinking blocks',
  }),
  S5: ruleCheck({
    title: 'content_block_start carries complete empty blocks',
    severity: 'degraded',
    refs: ['inflaborg/ccrelay#119'],
    rule: 'S5',
    holds: 'text blocks start with text:"", tool_use blocks with id, name and input:{}',
  }),
  S6: ruleCheck({
    title: 'message_delta carries stop_reason and usage.output_tokens',
    severity: 'blocker',
    refs: ['earendil-works/pi#6567', 'Alishahryar1/free-claude-code#209'],
    rule: 'S6',
    holds: 'after the last block, a message_delta with a stop_reason, a stop_sequence key and usage.output_tokens',
  }),
  S7: ruleCheck({
    title: 'message_stop exactly once, last; no [DONE], no error event',
    severity: 'blocker',
    refs: ['anthropics/claude-code#40979', 'decolua/9router#838', 'Alishahryar1/free-claude-code#43'],
    rule: 'S7',
    holds: 'one message_stop, and nothing after it',
    cosmetic: ['done-sentinel'],
  }),
});
