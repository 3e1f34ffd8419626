/**
 * The emulator's prefix cache, shaped like vLLM's automatic prefix caching:
 * a prompt is cut into blocks of `blockTokens` tokens, each block is named
 * by a hash chained over every block before it (so a block hash stands for
 * the whole prefix up to its end), and a lookup walks the chain from the
 * first block until the first miss. Bounded LRU: inserting past capacity
 * evicts the least recently used block.
 *
 * Simplification (documented in profiles/README.md): vLLM cannot evict a
 * block a running request still holds; this cache can. Only full blocks are
 * cached, as in vLLM.
 */
import { createHash } from 'node:crypto';
import { contentText } from './tokens.ts';

/** UTF-8 bytes per prompt token, the emulator's tokenizer approximation (tokens.ts). */
const BYTES_PER_TOKEN = 4;

/** A bounded LRU set of block hashes. */
export class PrefixCache {
  /** Insertion order = recency order (oldest first): Map keeps it, re-setting moves a key to the end. */
  private readonly blocks = new Map<string, true>();

  /** @param capacityBlocks most blocks kept; 0 turns caching off. */
  constructor(readonly capacityBlocks: number) {}

  /** Blocks currently cached. */
  get size(): number {
    return this.blocks.size;
  }

  /** How many leading blocks of `hashes` are cached (the prefix stops at the first miss). Touches the hits. */
  lookup(hashes: readonly string[]): number {
    let hits = 0;
    for (const hash of hashes) {
      if (!this.blocks.has(hash)) break;
      this.blocks.delete(hash);
      this.blocks.set(hash, true);
      hits++;
    }
    return hits;
  }

  /** Cache one block (or refresh it), evicting the least recently used beyond capacity. */
  insert(hash: string): void {
    if (this.capacityBlocks <= 0) return;
    this.blocks.delete(hash);
    this.blocks.set(hash, true);
    while (this.blocks.size > this.capacityBlocks) {
      const oldest = this.blocks.keys().next();
      if (oldest.done) break;
      this.blocks.delete(oldest.value);
    }
  }

  /** Forget everything (vLLM's POST /reset_prefix_cache). */
  clear(): void {
    this.blocks.clear();
  }
}

/**
 * Chained hashes of the full blocks of `text`: block i covers bytes
 * [i·B, (i+1)·B) with B = blockTokens × 4 bytes (the emulator's 4 bytes per
 * token), so block i stands for prompt tokens [i·blockTokens, (i+1)·blockTokens).
 * A trailing partial block gets no hash. Pure.
 */
export function blockHashes(text: string, blockTokens: number): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const blockBytes = blockTokens * BYTES_PER_TOKEN;
  const out: string[] = [];
  let previous = '';
  for (let start = 0; start + blockBytes <= bytes.length; start += blockBytes) {
    previous = createHash('sha1').update(previous).update(bytes.subarray(start, start + blockBytes)).digest('base64');
    out.push(previous);
  }
  return out;
}

/**
 * The text a chat template would render from a request's `tools` and
 * `messages`, for prefix hashing: role, text content, tool calls and the
 * tool-call id of each message, in order, tools first. Fields a template
 * ignores (`cache_control`, `model`, sampling parameters) are left out, so
 * a marker moving from one message to the next between turns does not
 * break the prefix, as in vLLM. Tolerates malformed input. Pure.
 */
export function renderPromptForCache(body: { readonly tools?: unknown; readonly messages?: unknown }): string {
  const parts: string[] = [];
  if (Array.isArray(body.tools) && body.tools.length > 0) parts.push(`<tools>${JSON.stringify(body.tools)}</tools>\n`);
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (typeof message !== 'object' || message === null) {
        parts.push(`<|im_start|>?\n${String(message)}<|im_end|>\n`);
        continue;
      }
      const m = message as Record<string, unknown>;
      const role = typeof m['role'] === 'string' ? m['role'] : '?';
      const calls = Array.isArray(m['tool_calls']) && m['tool_calls'].length > 0 ? JSON.stringify(m['tool_calls']) : '';
      const callId = typeof m['tool_call_id'] === 'string' ? `[${m['tool_call_id']}]` : '';
      parts.push(`<|im_start|>${role}${callId}\n${contentText(m['content'])}${calls}<|im_end|>\n`);
    }
  }
  return parts.join('');
}
