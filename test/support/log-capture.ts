import { appendFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One JSON log line as a Lambda would print it (Powertools Logger: `level`, `message`, data keys). */
export type JsonLine = Record<string, unknown> & { message?: string; level?: string };

type Write = typeof process.stdout.write;

/**
 * Captures everything written to process.stdout and process.stderr while started: the real Powertools
 * Logger of the functions writes there, so what is captured is exactly what CloudWatch would receive.
 * The text is kept in memory (for assertions) and appended to a file under a temp dir (for a look after a
 * failure); nothing is echoed, so jest's output stays quiet. Stop it in `afterAll`/`finally`.
 */
export class LogCapture {
  private chunks: string[] = [];
  private originals: { out: Write; err: Write } | undefined;
  /** The file every captured write is appended to. */
  readonly file: string;

  constructor(name: string, dir: string = logCaptureDir()) {
    this.file = join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}-${process.pid}.log`);
  }

  start(): this {
    if (this.originals) return this;
    this.originals = { out: process.stdout.write, err: process.stderr.write };
    const capture = (_stream: 'out' | 'err'): Write =>
      ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
        const text =
          typeof chunk === 'string'
            ? chunk
            : Buffer.from(chunk as Uint8Array).toString(
                typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
              );
        this.chunks.push(text);
        try {
          appendFileSync(this.file, text);
        } catch {
          // The file is a convenience; the in-memory copy is what the tests read.
        }
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') done();
        return true;
      }) as Write;
    process.stdout.write = capture('out');
    process.stderr.write = capture('err');
    return this;
  }

  stop(): void {
    if (!this.originals) return;
    process.stdout.write = this.originals.out;
    process.stderr.write = this.originals.err;
    this.originals = undefined;
  }

  /** Everything captured so far, as written. */
  text(): string {
    return this.chunks.join('');
  }

  /** The captured lines that parse as JSON objects (log lines); other output is skipped. */
  jsonLines(): JsonLine[] {
    return parseJsonLines(this.text());
  }

  clear(): void {
    this.chunks = [];
  }
}

let sharedDir: string | undefined;

/** One temp dir per jest worker process (VOIP_LOG_CAPTURE_DIR overrides), created on first use. */
export function logCaptureDir(): string {
  if (sharedDir) return sharedDir;
  const wanted = process.env.VOIP_LOG_CAPTURE_DIR;
  if (wanted) {
    mkdirSync(wanted, { recursive: true });
    sharedDir = wanted;
  } else {
    sharedDir = mkdtempSync(join(tmpdir(), 'voip-push-logs-'));
  }
  return sharedDir;
}

export function parseJsonLines(text: string): JsonLine[] {
  const lines: JsonLine[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) lines.push(parsed as JsonLine);
    } catch {
      // not a log line
    }
  }
  return lines;
}

/** A secret to look for, with a label for the finding (never the value itself). */
export interface KnownSecret {
  readonly label: string;
  readonly value: string;
}

export interface SecretFinding {
  readonly label: string;
  /** 1-based line number in the captured text. */
  readonly line: number;
}

/**
 * Where any known secret appears in the text: matched case-insensitively (tokens are hex, logged in
 * either case) and also JSON-escaped (a PEM's newlines become `\n` inside a JSON log line). Values
 * shorter than 12 characters are ignored: they would match by chance.
 */
export function findSecrets(text: string, secrets: readonly KnownSecret[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const lines = text.toLowerCase().split('\n');
  const needles = secrets
    .filter((s) => s.value.length >= 12)
    .map((s) => ({
      label: s.label,
      forms: [...new Set([s.value.toLowerCase(), JSON.stringify(s.value).slice(1, -1).toLowerCase()])],
    }));
  lines.forEach((line, index) => {
    for (const needle of needles) {
      if (needle.forms.some((form) => line.includes(form)))
        findings.push({ label: needle.label, line: index + 1 });
    }
  });
  return findings;
}

/** The distinctive parts of a PEM (each base64 body line and the whole body), as secrets to look for. */
export function pemSecrets(label: string, pem: string): KnownSecret[] {
  const body = pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('-----'));
  return [
    ...body.filter((l) => l.length >= 40).map((value, i) => ({ label: `${label} line ${i + 1}`, value })),
    { label: `${label} body`, value: body.join('') },
  ];
}
