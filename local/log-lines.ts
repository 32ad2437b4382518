/**
 * The lines the local stack writes, as a stream: every chunk written to stdout / stderr (by the stack's
 * own logger, the functions' Powertools loggers and metrics, or a child process whose output the stack
 * copies in) is split into whole lines, and each JSON line is handed to the subscribers parsed. The
 * console reads the sender's `push attempt` lines from here; `npm start -- --pretty` renders from here.
 */

/** One JSON log line as written (Powertools: `level`, `message`, `timestamp`, `service`, data keys). */
export type LogRecord = Readonly<Record<string, unknown>>;

export type OutputStream = 'stdout' | 'stderr';

/** What the console needs of the stack's output: the parsed JSON lines, as they are written. */
export interface LogLineSource {
  /** Calls `listener` for every JSON line from now on; returns the unsubscribe function. */
  subscribe(listener: (record: LogRecord, stream: OutputStream) => void): () => void;
}

/** Parses one line as a JSON object, or undefined (plain text, READY, a JSON array or scalar). */
export function parseLogRecord(line: string): LogRecord | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Longest partial line kept while waiting for its newline; longer ones are passed on as they are. */
const MAX_PARTIAL_CHARS = 1_000_000;

/**
 * Splits written chunks into lines (per stream: a line may arrive in pieces) and publishes the JSON
 * ones. `write` returns the complete lines of the chunk, so a caller can also render them.
 */
export class LogLineFeed implements LogLineSource {
  private readonly listeners = new Set<(record: LogRecord, stream: OutputStream) => void>();
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };

  subscribe(listener: (record: LogRecord, stream: OutputStream) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a chunk as written to `stream`; answers the lines it completed (without their newline). */
  write(chunk: string, stream: OutputStream = 'stdout'): string[] {
    const text = this.partial[stream] + chunk;
    const lines = text.split('\n');
    let rest = lines.pop() ?? '';
    if (rest.length > MAX_PARTIAL_CHARS) {
      lines.push(rest);
      rest = '';
    }
    this.partial[stream] = rest;
    for (const line of lines) this.publish(line, stream);
    return lines;
  }

  /** Hands on what is left without a newline (at exit). */
  flush(stream: OutputStream = 'stdout'): string[] {
    const rest = this.partial[stream];
    this.partial[stream] = '';
    if (rest === '') return [];
    this.publish(rest, stream);
    return [rest];
  }

  private publish(line: string, stream: OutputStream): void {
    if (this.listeners.size === 0) return;
    const record = parseLogRecord(line);
    if (!record) return;
    for (const listener of this.listeners) {
      try {
        listener(record, stream);
      } catch {
        // A subscriber's fault never breaks the stack's output.
      }
    }
  }
}

type Write = typeof process.stdout.write;

export interface ProcessOutputTap {
  readonly lines: LogLineFeed;
  /** Puts the original `write` functions back. */
  restore(): void;
}

/**
 * Routes everything this process writes to stdout and stderr through a LogLineFeed. `render` turns
 * each complete line into what is really written (the identity keeps the JSON contract; null writes
 * nothing); lines are written whole, so a rendered line never interleaves with another.
 */
export function tapProcessOutput(
  render: (line: string, stream: OutputStream) => string | null,
  streams: readonly OutputStream[] = ['stdout', 'stderr'],
): ProcessOutputTap {
  const shown = (line: string, stream: OutputStream) => {
    const text = render(line, stream);
    return text === null ? '' : `${text}\n`;
  };
  const lines = new LogLineFeed();
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const wrap = (stream: OutputStream): Write => {
    const target = process[stream];
    const original = originals[stream];
    return ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(
              typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
            );
      const done = typeof encoding === 'function' ? encoding : callback;
      const complete = lines.write(text, stream);
      const out = complete.map((line) => shown(line, stream)).join('');
      if (out === '') {
        if (typeof done === 'function') done();
        return true;
      }
      return typeof done === 'function'
        ? original.call(target, out, 'utf8', done as (error?: Error | null) => void)
        : original.call(target, out);
    }) as Write;
  };
  for (const stream of streams) process[stream].write = wrap(stream);
  return {
    lines,
    restore() {
      for (const stream of streams) {
        const rest = lines.flush(stream);
        process[stream].write = originals[stream];
        if (rest.length > 0) originals[stream].call(process[stream], shown(rest[0] as string, stream));
      }
    },
  };
}
