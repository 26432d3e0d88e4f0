// The smallest event-stream reader the tests need: what no spec can express. The spec types a
// frame's `data` (RunEventData); reading a fetch body into frames and resuming a dropped
// connection with `Last-Event-ID` is protocol, so it is code, here, and the README's recipe.
import { type Client } from 'openapi-fetch';

import { type paths, type RunEventData } from '../../generated/typescript/flowscale';

/** A frame's data as a frame-reading client sees it: one of the typed events. */
export type RunEventFrame = Exclude<RunEventData, string>;

type Frame = { id: string | undefined; data: string; retry: number | undefined };

/** The connection ended in the middle of the stream (reset, or closed before `end`). */
export class StreamDropped extends Error {}

/** Server-sent event frames of a body (the WHATWG fields this API sends: id, data, retry). */
export async function* readFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const reader = body.getReader();
  const decoder = new TextDecoder(); // streaming: a character split across chunks stays whole
  let buffer = '';
  let id: string | undefined;
  let retry: number | undefined;
  let data: string[] = [];
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw new StreamDropped('the event stream was cut', { cause });
      }
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? ''; // an unfinished line waits for the next chunk
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { id, data: data.join('\n'), retry };
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue; // comment: keep-alive
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
        else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

export type CollectedEvents = { events: RunEventFrame[]; drops: number };

/** Every event of a run up to `end`, reconnecting after a drop with `Last-Event-ID`. */
export async function collectRunEvents(
  client: Client<paths>,
  runId: string,
  maxReconnects = 3,
): Promise<CollectedEvents> {
  const events: RunEventFrame[] = [];
  let lastEventId: string | undefined;
  let retryMs = 1000;
  for (let drops = 0; ; drops++) {
    const { data: body, response } = await client.GET('/api/v1/runs/{run_id}/events', {
      params: {
        path: { run_id: runId },
        header: lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId },
      },
      parseAs: 'stream',
    });
    if (!response.ok || !body) throw new Error(`event stream: HTTP ${response.status}`);
    try {
      for await (const frame of readFrames(body)) {
        lastEventId = frame.id ?? lastEventId;
        retryMs = frame.retry ?? retryMs;
        const event: RunEventData = JSON.parse(frame.data);
        if (typeof event === 'string') throw new Error(`a frame's data is not an event: ${event}`);
        events.push(event);
        if (event.type === 'end') return { events, drops };
      }
      throw new StreamDropped('the event stream closed before its end event');
    } catch (error) {
      if (!(error instanceof StreamDropped) || drops >= maxReconnects) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
