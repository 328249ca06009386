/** Reads Server-Sent Events from a fetch response, one parsed event at a time. */
export interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export function sseReader(response: Response): { next(timeoutMs?: number): Promise<SseEvent | undefined>; cancel(): Promise<void> } {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const parse = (block: string): SseEvent | undefined => {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    return data === '' ? undefined : { event, data: JSON.parse(data) as Record<string, unknown> };
  };
  return {
    async next(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const parsed = parse(block);
          if (parsed) return parsed;
          continue;
        }
        if (Date.now() > deadline) throw new Error('no SSE event in time');
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no SSE event in time')), deadline - Date.now()))),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) return undefined;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}
