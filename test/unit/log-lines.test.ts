import { describe, expect, it } from '@jest/globals';
import { toPushAttempt } from '../../local/console/sources/sender-attempts';
import { LogLineFeed, type LogRecord } from '../../local/log-lines';
import { prettyLine } from '../../local/pretty-log';

const SENDER_LINE = {
  level: 'INFO',
  message: 'push attempt',
  timestamp: '2026-12-03T16:54:58.379Z',
  service: 'voip-push-sender',
  sampling_rate: 0,
  callId: 'c-1',
  deviceId: 'iphone',
  bundleId: 'com.example.voip',
  environment: 'sandbox',
  pushType: 'voip',
  tokenHash: '39049f876c79',
  apnsId: 'adda2652-13ac-4c1b-8a3d-e0770c928f77',
  statusCode: 200,
  attempt: 1,
  queueDelayMs: 12,
  apnsLatencyMs: 49.31,
  deliveryLatencyMs: 205,
  outcome: 'delivered',
};

describe('the stack output feed', () => {
  it('hands on each JSON line once whole when it arrives in pieces', () => {
    const feed = new LogLineFeed();
    const seen: LogRecord[] = [];
    feed.subscribe((record) => seen.push(record));
    const text = `${JSON.stringify({ message: 'a' })}\nREADY {"apiUrl":"x"}\n${JSON.stringify({ message: 'b' })}\n`;
    const lines = [...text.matchAll(/[\s\S]{1,7}/g)].flatMap(([chunk]) => feed.write(chunk));
    expect(lines).toEqual(text.split('\n').slice(0, 3));
    expect(seen.map((record) => record.message)).toEqual(['a', 'b']);
  });

  it('keeps stdout and stderr apart when their writes interleave', () => {
    const feed = new LogLineFeed();
    const seen: string[] = [];
    feed.subscribe((record, stream) => seen.push(`${stream}:${String(record.message)}`));
    feed.write('{"message":"o', 'stdout');
    feed.write('{"message":"e"}\n', 'stderr');
    feed.write('ut"}\n', 'stdout');
    expect(seen).toEqual(['stderr:e', 'stdout:out']);
  });

  it('keeps serving the others when one subscriber throws', () => {
    const feed = new LogLineFeed();
    const seen: unknown[] = [];
    feed.subscribe(() => {
      throw new Error('broken listener');
    });
    feed.subscribe((record) => seen.push(record.message));
    feed.write('{"message":"still"}\n');
    expect(seen).toEqual(['still']);
  });
});

describe('--pretty', () => {
  it('renders a Powertools line as time, level, service, message and its data', () => {
    expect(prettyLine(JSON.stringify(SENDER_LINE))).toBe(
      '16:54:58.379 INFO  sender   push attempt callId=c-1 deviceId=iphone bundleId=com.example.voip ' +
        'environment=sandbox pushType=voip tokenHash=39049f876c79 apnsId=adda2652-13ac-4c1b-8a3d-e0770c928f77 ' +
        'statusCode=200 attempt=1 queueDelayMs=12 apnsLatencyMs=49.3 deliveryLatencyMs=205 outcome=delivered',
    );
  });

  it('renders an EMF line as its metric values when metrics are flushed', () => {
    const emf = {
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          { Namespace: 'VoipPush', Metrics: [{ Name: 'QueueDelay', Unit: 'Milliseconds' }] },
        ],
      },
      service: 'voip-push-sender',
      QueueDelay: 12,
    };
    expect(prettyLine(JSON.stringify(emf))).toMatch(/^\d\d:\d\d:\d\d\.\d{3} METRIC sender\s+QueueDelay=12$/);
  });

  it('leaves READY and plain text unchanged when they are not JSON', () => {
    expect(prettyLine('READY {"apiUrl":"http://127.0.0.1:3000"}')).toBe(
      'READY {"apiUrl":"http://127.0.0.1:3000"}',
    );
    expect(prettyLine('local stack failed to start: boom')).toBe('local stack failed to start: boom');
  });
});

describe('push attempt lines', () => {
  it('reads an APNs attempt as platform ios when the line names no platform', () => {
    expect(toPushAttempt(SENDER_LINE)).toEqual({
      platform: 'ios',
      at: Date.parse('2026-12-03T16:54:58.379Z'),
      callId: 'c-1',
      deviceId: 'iphone',
      tokenHash: '39049f876c79',
      pushType: 'voip',
      bundleId: 'com.example.voip',
      environment: 'sandbox',
      providerId: 'adda2652-13ac-4c1b-8a3d-e0770c928f77',
      statusCode: 200,
      attempt: 1,
      outcome: 'delivered',
      queueDelayMs: 12,
      providerLatencyMs: 49.31,
      deliveryLatencyMs: 205,
    });
  });

  it('reads an FCM attempt with its platform and message name when the line carries them', () => {
    const fcm = {
      ...SENDER_LINE,
      platform: 'android',
      messageId: 'projects/p/messages/0:1',
      apnsId: undefined,
    };
    expect(toPushAttempt(fcm)).toMatchObject({ platform: 'android', providerId: 'projects/p/messages/0:1' });
  });

  it('ignores other lines and attempt lines without their keys', () => {
    expect(toPushAttempt({ ...SENDER_LINE, message: 'call fanned out' })).toBeUndefined();
    expect(toPushAttempt({ ...SENDER_LINE, tokenHash: undefined })).toBeUndefined();
  });
});
