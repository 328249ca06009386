/**
 * Server-Sent Events read from a fetch() stream. EventSource cannot send an Authorization header, and the
 * token must not go into the URL (logs, history, Referer), nor should the service mint a second credential
 * (a signed ticket) just for this: fetch streams the same `text/event-stream` with the header, and the
 * AbortController ends it when the page is left.
 */
import { request } from './api.js';

export type EventHandler = (name: string, data: unknown) => void;

/** Reads `path`'s events until the server ends the stream or `signal` aborts. */
export async function streamEvents(path: string, onEvent: EventHandler, signal: AbortSignal): Promise<void> {
  const response = await request(path, { signal, headers: { accept: 'text/event-stream' } });
  if (response.body === null) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      // Comment-only blocks (`: keep-alive`) carry no data.
      if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')) as unknown);
    }
  }
}
