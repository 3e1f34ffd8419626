/**
 * The emulator's tokenizer approximation. It is deterministic and cheap, not a
 * real BPE: about 4 UTF-8 bytes per prompt token, and output "tokens" that are
 * short word pieces (a leading space plus up to 4 code points), so the two
 * scales agree roughly with each other and with Qwen-style tokenizers.
 */

const BYTES_PER_TOKEN = 4;
/** Chat-template tokens around each message (`<|im_start|>role\n … <|im_end|>\n`). */
const PER_MESSAGE_OVERHEAD = 4;
/** The generation prompt `<|im_start|>assistant\n`. */
const GENERATION_PROMPT = 3;
/** The tool-use instructions a hermes-style template adds when tools are offered. */
const TOOLS_PREAMBLE = 64;

const encoder = new TextEncoder();

/** Tokens for a piece of prompt text: ceil(UTF-8 bytes / 4). */
export function textTokenCount(text: string): number {
  if (text.length === 0) return 0;
  return Math.ceil(encoder.encode(text).length / BYTES_PER_TOKEN);
}

/**
 * Estimated prompt tokens of a chat completion request (its `messages` and
 * `tools`), the way the emulator counts them for `usage.prompt_tokens` and
 * the context-window check. Tolerates malformed input (counts what it can).
 */
export function countPromptTokens(request: { readonly messages?: unknown; readonly tools?: unknown }): number {
  let total = GENERATION_PROMPT;
  if (Array.isArray(request.messages)) {
    for (const message of request.messages) total += messageTokens(message);
  }
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    total += TOOLS_PREAMBLE + textTokenCount(JSON.stringify(request.tools));
  }
  return total;
}

function messageTokens(message: unknown): number {
  if (typeof message !== 'object' || message === null) return PER_MESSAGE_OVERHEAD + textTokenCount(String(message));
  const m = message as Record<string, unknown>;
  let total = PER_MESSAGE_OVERHEAD;
  if (typeof m['role'] === 'string') total += textTokenCount(m['role']);
  total += textTokenCount(contentText(m['content']));
  if (Array.isArray(m['tool_calls']) && m['tool_calls'].length > 0) total += textTokenCount(JSON.stringify(m['tool_calls']));
  return total;
}

/** The text of a message `content`: a string, or the text parts of an array (other parts as JSON). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return JSON.stringify(content) ?? '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') {
      parts.push((part as { text: string }).text);
    } else {
      parts.push(JSON.stringify(part) ?? '');
    }
  }
  return parts.join('\n');
}

/**
 * Split output text into token pieces: leading whitespace plus up to 4 code
 * points of non-space, or a run of trailing whitespace. Joining the pieces
 * gives the text back exactly; no piece splits a surrogate pair.
 */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*[^\s]{1,4}|\s+/gu) ?? [];
}

/** Split a string into pieces of at most `size` code points (for tool-call argument fragments). */
export function splitFixed(text: string, size: number): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}

const FILLER_WORDS = [
  'the', 'code', 'runs', 'fast', 'and', 'each', 'test', 'will', 'pass', 'when', 'this', 'loop', 'ends',
  'we', 'read', 'file', 'then', 'call', 'tool', 'with', 'its', 'args', 'so', 'data', 'flows', 'from',
  'one', 'step', 'to', 'next', 'as', 'plan', 'says',
] as const;
const SENTENCE_WORDS = 11;

/**
 * `count` deterministic filler tokens: one word per token, sentences of 11
 * words ending in a period. `seed` picks where in the word list to start.
 */
export function fillerTokens(count: number, seed = 0): string[] {
  const out: string[] = [];
  const offset = Math.abs(Math.trunc(seed)) % FILLER_WORDS.length;
  for (let i = 0; i < count; i++) {
    const word = FILLER_WORDS[(offset + i * 7) % FILLER_WORDS.length] ?? 'the';
    const inSentence = i % SENTENCE_WORDS;
    const first = inSentence === 0;
    const last = inSentence === SENTENCE_WORDS - 1 || i === count - 1;
    const text = first ? word.charAt(0).toUpperCase() + word.slice(1) : word;
    out.push(`${i === 0 ? '' : ' '}${text}${last ? '.' : ''}`);
  }
  return out;
}

/** A small stable hash (FNV-1a, 32 bit) for picking deterministic variations. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
