/**
 * The sender's `push attempt` log lines (docs/contracts.md, sender log line) of one call: from CloudWatch
 * Logs for a deployed stage, from the local console (which reads the same lines off `npm start`'s output).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { SmokeTarget } from './smoke-target';

export interface SeenAttempt {
  /** `ios` or `android`; lines from before Android have none (iOS). */
  readonly platform?: string;
  readonly tokenHash?: string;
  readonly attempt?: number;
  readonly outcome?: string;
  readonly statusCode?: number;
  readonly reason?: string;
  /** APNs' `apnsId` or FCM's `messageId` (`projects/<p>/messages/<id>`). */
  readonly providerId?: string;
  /** Time to the provider's answer (the line's `apnsLatencyMs`, for FCM too). */
  readonly apnsLatencyMs?: number;
  readonly deliveryLatencyMs?: number;
}

/** Outcomes after which the sender sends no more for this device and call. */
export const FINAL_OUTCOMES: ReadonlySet<string> = new Set(['delivered', 'pruned', 'failed']);

export interface AttemptReader {
  /** Every attempt logged so far for `callId`, oldest first. */
  read(callId: string, sinceMs: number): Promise<SeenAttempt[]>;
  close(): void;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** One log event's message as an attempt, or undefined when it is not a `push attempt` JSON line. */
export function attemptOfLogLine(message: string): SeenAttempt | undefined {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(message.slice(message.indexOf('{'))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (line.message !== 'push attempt') return undefined;
  return {
    platform: stringOr(line.platform),
    tokenHash: stringOr(line.tokenHash),
    attempt: numberOr(line.attempt),
    outcome: stringOr(line.outcome),
    statusCode: numberOr(line.statusCode),
    reason: stringOr(line.reason),
    providerId: stringOr(line.messageId) ?? stringOr(line.apnsId),
    apnsLatencyMs: numberOr(line.apnsLatencyMs),
    deliveryLatencyMs: numberOr(line.deliveryLatencyMs),
  };
}

function cloudWatchReader(logGroupName: string, region?: string): AttemptReader {
  const logs = new CloudWatchLogsClient(region ? { region } : {});
  return {
    async read(callId, sinceMs) {
      const seen: SeenAttempt[] = [];
      let nextToken: string | undefined;
      do {
        const page = await logs.send(
          new FilterLogEventsCommand({
            logGroupName,
            startTime: sinceMs,
            filterPattern: `{ ($.message = "push attempt") && ($.callId = "${callId}") }`,
            nextToken,
          }),
        );
        for (const event of page.events ?? []) {
          const attempt = attemptOfLogLine(event.message ?? '');
          if (attempt) seen.push(attempt);
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return seen;
    },
    close: () => logs.destroy(),
  };
}

interface ConsolePushRow {
  readonly callId: string;
  readonly platform: string;
  readonly tokenHash: string;
  readonly outcome?: string;
  readonly answer?: { readonly statusCode?: number; readonly reason?: string; readonly providerId?: string };
  readonly attempts: readonly { readonly attempt: number; readonly providerLatencyMs?: number }[];
  readonly latency: { readonly providerMs?: number; readonly deliveryMs?: number };
}

function consoleReader(consoleUrl: string): AttemptReader {
  return {
    async read(callId) {
      const res = await fetch(`${consoleUrl}/api/pushes?limit=200`);
      if (!res.ok) throw new Error(`the local console answered ${res.status} for its pushes`);
      const { pushes } = (await res.json()) as { pushes: ConsolePushRow[] };
      return pushes
        .filter((row) => row.callId === callId)
        .map((row) => ({
          platform: row.platform,
          tokenHash: row.tokenHash,
          attempt: row.attempts.at(-1)?.attempt,
          outcome: row.outcome,
          statusCode: row.answer?.statusCode,
          reason: row.answer?.reason,
          providerId: row.answer?.providerId,
          apnsLatencyMs: row.latency.providerMs,
          deliveryLatencyMs: row.latency.deliveryMs,
        }));
    },
    close: () => {},
  };
}

/** The reader for a target, or undefined when it has nowhere to read attempts. */
export function attemptReader(attempts: SmokeTarget['attempts']): AttemptReader | undefined {
  if (attempts.kind === 'cloudwatch') return cloudWatchReader(attempts.logGroupName, attempts.region);
  if (attempts.kind === 'console') return consoleReader(attempts.consoleUrl);
  return undefined;
}
