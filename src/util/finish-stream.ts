import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Ends `stream` unless its writer already did, and waits until every byte went through `final`. */
export async function finishStream(stream: Writable): Promise<void> {
  if (!stream.writableEnded) stream.end();
  await finished(stream, { readable: false });
}
