import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { reportCertificateDaysLeft } from '../../shared/adapters/apns/credential-material';
import { PowertoolsMetricsSink } from '../../shared/adapters/powertools-metrics';
import { METRICS_NAMESPACE, MetricName, ServiceName } from '../../shared/platform/metric-names';
import { FakeApnsTransport } from '../fakes/fake-apns-transport';
import { aTokenCredential } from '../kit/credentials';

let lines: Array<Record<string, unknown>>;
let spy: { mockRestore(): void };

beforeEach(() => {
  lines = [];
  const capture = (text: unknown) => {
    for (const line of String(text).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  };
  spy = jest.spyOn(process.stdout, 'write').mockImplementation(capture as never);
});
afterEach(() => spy.mockRestore());

const emf = (name: string) =>
  lines.filter((l) =>
    JSON.stringify((l._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics).includes(`"${name}"`),
  );

describe('PowertoolsMetricsSink', () => {
  it('emits contract names in the VoipPush namespace with the service dimension when flushed', () => {
    const sink = new PowertoolsMetricsSink(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ServiceName.sender }),
    );
    sink.count(MetricName.PushAccepted);
    sink.milliseconds(MetricName.DeliveryLatency, 420);
    sink.flush();
    const [doc] = emf(MetricName.PushAccepted);
    expect(doc).toMatchObject({ service: ServiceName.sender, PushAccepted: 1, DeliveryLatency: 420 });
    expect(JSON.stringify(doc?._aws)).toContain('"Namespace":"VoipPush"');
  });

  it('emits PushOutcome with its Reason dimension as its own document at flush', () => {
    const sink = new PowertoolsMetricsSink(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ServiceName.sender }),
    );
    sink.countBy(MetricName.PushOutcome, 'Reason', 'failed:BadTopic');
    expect(emf(MetricName.PushOutcome)).toEqual([]);
    sink.flush();
    const [doc] = emf(MetricName.PushOutcome);
    expect(doc).toMatchObject({ service: ServiceName.sender, Reason: 'failed:BadTopic', PushOutcome: 1 });
    expect(JSON.stringify(doc?._aws)).toContain('["service","Reason"]');
  });

  it('sums counts per flush: one document per Reason, totals unchanged, latencies kept as values', () => {
    const sink = new PowertoolsMetricsSink(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ServiceName.sender }),
    );
    for (let i = 0; i < 90; i++) {
      sink.count(MetricName.PushAccepted);
      sink.countBy(MetricName.PushOutcome, 'Reason', i % 3 === 0 ? 'failed:BadTopic' : 'delivered');
      sink.milliseconds(MetricName.ApnsLatency, i);
    }
    sink.count(MetricName.PushRetried, 2);
    sink.count(MetricName.PushRetried, 3);
    expect(lines).toEqual([]);
    sink.flush();

    const outcomes = emf(MetricName.PushOutcome);
    expect(outcomes).toHaveLength(2);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: ServiceName.sender, Reason: 'failed:BadTopic', PushOutcome: 30 }),
        expect.objectContaining({ service: ServiceName.sender, Reason: 'delivered', PushOutcome: 60 }),
      ]),
    );
    for (const doc of outcomes) {
      expect(JSON.stringify(doc._aws)).toContain('["service","Reason"]');
      expect(doc).not.toHaveProperty('PushAccepted');
    }
    const [main, ...others] = emf(MetricName.PushAccepted);
    expect(others).toEqual([]);
    expect(main).toMatchObject({ service: ServiceName.sender, PushAccepted: 90, PushRetried: 5 });
    expect(main).not.toHaveProperty('Reason');
    expect(main?.ApnsLatency).toEqual(Array.from({ length: 90 }, (_, i) => i));
    expect(lines).toHaveLength(3);

    // The next flush starts from zero.
    lines.length = 0;
    sink.countBy(MetricName.PushOutcome, 'Reason', 'delivered');
    sink.flush();
    expect(emf(MetricName.PushOutcome)).toEqual([
      expect.objectContaining({ Reason: 'delivered', PushOutcome: 1 }),
    ]);
    expect(emf(MetricName.PushAccepted)).toEqual([]);
  });

  it('emits CertificateDaysLeft by BundleId only when the sender reports a number', () => {
    const sink = new PowertoolsMetricsSink(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ServiceName.sender }),
    );
    const apns = new FakeApnsTransport();
    apns.daysLeft = 30;
    reportCertificateDaysLeft(sink, apns, {
      bundleId: 'com.a',
      auth: 'certificate',
      certificate: 'c',
      privateKey: 'k',
    });
    reportCertificateDaysLeft(sink, apns, aTokenCredential('com.b'));
    expect(emf(MetricName.CertificateDaysLeft)).toEqual([
      expect.objectContaining({ BundleId: 'com.a', CertificateDaysLeft: 30 }),
    ]);
  });
});
