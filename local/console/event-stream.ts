/**
 * Server-sent events for the console page (`GET /api/events`): every client gets a `snapshot` when it
 * connects, then each change as its own event (`push`, `phone`, `latency`, `dlq`, `faults`). A client
 * that stops reading is dropped rather than buffered without end.
 */
import type { ServerResponse } from 'node:http';
import type { ConsoleEventName, ConsoleEvents } from './console-types';

const HEARTBEAT_MS = 15_000;
/** Unread bytes a client may leave queued before it is dropped. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) this.write(client, ': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response as an event stream and sends it the snapshot first. */
  open(res: ServerResponse, snapshot: ConsoleEvents['snapshot']): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.clients.add(res);
    res.once('close', () => this.clients.delete(res));
    this.write(res, 'retry: 2000\n\n');
    this.write(res, frame('snapshot', snapshot));
  }

  send<E extends ConsoleEventName>(name: E, data: ConsoleEvents[E]): void {
    if (this.clients.size === 0) return;
    const text = frame(name, data);
    for (const client of this.clients) this.write(client, text);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private write(client: ServerResponse, text: string): void {
    if (client.destroyed || client.writableLength > MAX_BUFFERED_BYTES) {
      this.clients.delete(client);
      client.destroy();
      return;
    }
    client.write(text);
  }
}

function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
