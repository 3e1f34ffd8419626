/**
 * Messages API body → OpenAI chat completions body, for measuring a backend
 * directly (vLLM's /v1/chat/completions) with the same workload a gateway
 * gets. Covers what workloads send: system (string or blocks, plus
 * mid-thread `role: "system"` messages, hoisted to the top as chat templates
 * require), text, tool_use and tool_result. Pure.
 */

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is Rec => isRec(b) && b['type'] === 'text' && typeof b['text'] === 'string')
    .map((b) => b['text'] as string)
    .join('\n');
}

/** Convert one Messages API request body. `model` replaces the body's model (the backend's served name). */
export function toChatBody(body: Readonly<Rec>, model?: string): Rec {
  const system: string[] = [];
  const head = textOf(body['system']);
  if (head.length > 0) system.push(head);
  const out: Rec[] = [];
  for (const m of Array.isArray(body['messages']) ? body['messages'] : []) {
    if (!isRec(m)) continue;
    const role = m['role'];
    const content = m['content'];
    if (role === 'system') {
      system.push(textOf(content));
    } else if (role === 'assistant') {
      const calls = Array.isArray(content)
        ? content
            .filter((b): b is Rec => isRec(b) && b['type'] === 'tool_use')
            .map((b) => ({ id: String(b['id']), type: 'function', function: { name: String(b['name']), arguments: JSON.stringify(b['input'] ?? {}) } }))
        : [];
      out.push({ role: 'assistant', content: textOf(content), ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    } else {
      // Tool results answer the previous assistant turn, so they come first.
      if (Array.isArray(content)) {
        for (const b of content) {
          if (isRec(b) && b['type'] === 'tool_result') {
            const c = b['content'];
            out.push({ role: 'tool', tool_call_id: String(b['tool_use_id']), content: typeof c === 'string' ? c : textOf(c) });
          }
        }
      }
      const text = textOf(content);
      if (text.length > 0 || !Array.isArray(content)) out.push({ role: 'user', content: text });
    }
  }
  const tools = Array.isArray(body['tools'])
    ? body['tools'].filter(isRec).map((t) => ({
        type: 'function',
        function: { name: String(t['name']), description: String(t['description'] ?? ''), parameters: t['input_schema'] ?? { type: 'object' } },
      }))
    : [];
  return {
    model: model ?? body['model'],
    messages: [...(system.length > 0 ? [{ role: 'system', content: system.join('\n\n') }] : []), ...out],
    ...(tools.length > 0 ? { tools } : {}),
    ...(typeof body['max_tokens'] === 'number' ? { max_tokens: body['max_tokens'] } : {}),
    stream: body['stream'] === true,
    ...(body['stream'] === true ? { stream_options: { include_usage: true } } : {}),
  };
}
