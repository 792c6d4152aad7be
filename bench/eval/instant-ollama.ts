/** What a chat request asked: its model and the content of each message. */
export interface InstantChatRequest {
  model: string;
  messages: Array<{ content: string }>;
}

/**
 * An Ollama /api/chat that answers at once, in process (a `fetch` for the real `ollama` client): benchmarks
 * measure pie-brain's own overhead without model time. `answer` gives the assistant's content.
 */
export function instantOllama(answer: (request: InstantChatRequest) => string): typeof fetch {
  return async (_input, init) => {
    const body = JSON.parse(String(init?.body ?? '{}')) as InstantChatRequest;
    const reply = {
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: answer(body) },
      done: true,
      done_reason: 'stop',
      total_duration: 1,
      load_duration: 0,
      prompt_eval_count: 12,
      prompt_eval_duration: 1,
      eval_count: 30,
      eval_duration: 1,
    };
    return new Response(JSON.stringify(reply), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}
