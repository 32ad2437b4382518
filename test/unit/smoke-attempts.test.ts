import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { attemptOfLogLine, attemptReader } from '../../scripts/smoke-attempts';

const logsMock = mockClient(CloudWatchLogsClient);
afterEach(() => {
  logsMock.reset();
});

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 'INFO', message: 'push attempt', service: 'voip-push-sender', ...fields });

describe('smoke attempts', () => {
  it('reads the outcome, answer and latencies when the line is a push attempt', () => {
    expect(
      attemptOfLogLine(
        line({
          tokenHash: 'abc',
          attempt: 2,
          outcome: 'pruned',
          statusCode: 400,
          reason: 'BadDeviceToken',
          apnsLatencyMs: 31,
          deliveryLatencyMs: 420,
        }),
      ),
    ).toEqual({
      tokenHash: 'abc',
      attempt: 2,
      outcome: 'pruned',
      statusCode: 400,
      reason: 'BadDeviceToken',
      apnsLatencyMs: 31,
      deliveryLatencyMs: 420,
    });
  });

  it("reads the platform and FCM's message name when the line is an Android push's", () => {
    expect(
      attemptOfLogLine(
        line({
          platform: 'android',
          tokenHash: 'def',
          messageId: 'projects/p/messages/0:1',
          attempt: 1,
          outcome: 'delivered',
          statusCode: 200,
        }),
      ),
    ).toMatchObject({ platform: 'android', providerId: 'projects/p/messages/0:1', outcome: 'delivered' });
    expect(attemptOfLogLine(line({ platform: 'ios', apnsId: 'A-1', outcome: 'delivered' }))).toMatchObject({
      platform: 'ios',
      providerId: 'A-1',
    });
  });

  it('skips a line when it is another message or not JSON', () => {
    expect(attemptOfLogLine(JSON.stringify({ message: 'batch done' }))).toBeUndefined();
    expect(attemptOfLogLine('START RequestId: 1 Version: $LATEST')).toBeUndefined();
  });

  it('filters the sender log group by call id and follows every page when reading CloudWatch Logs', async () => {
    logsMock
      .on(FilterLogEventsCommand)
      .resolvesOnce({
        events: [{ message: line({ attempt: 1, outcome: 'retry', statusCode: 503 }) }],
        nextToken: 'n1',
      })
      .resolvesOnce({ events: [{ message: line({ attempt: 2, outcome: 'delivered', statusCode: 200 }) }] });
    const reader = attemptReader({ kind: 'cloudwatch', logGroupName: 'sender-logs', region: 'eu-west-1' });
    const seen = await reader?.read('c-smoke-1', 1_000);
    reader?.close();
    expect(seen?.map((attempt) => attempt.outcome)).toEqual(['retry', 'delivered']);
    const calls = logsMock.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      {
        logGroupName: 'sender-logs',
        startTime: 1_000,
        filterPattern: '{ ($.message = "push attempt") && ($.callId = "c-smoke-1") }',
        nextToken: undefined,
      },
      expect.objectContaining({ nextToken: 'n1' }),
    ]);
  });
});
