import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthApp } from './synth-app';

/** A value of synthesized CloudFormation JSON (what `Template.toJSON()` returns is untyped). */
type Json = ReturnType<Template['toJSON']>[string];
type Alarm = { Properties: Record<string, Json> };

let template: Template;
let alarms: Alarm[];

const byMetric = (metricName: string, service?: string) =>
  alarms.filter(
    (a) =>
      a.Properties.MetricName === metricName &&
      (service === undefined ||
        a.Properties.Dimensions?.some(
          (d: { Name: string; Value: string }) => d.Name === 'service' && d.Value === service,
        )),
  );
const byExpression = (pattern: RegExp) =>
  alarms.filter((a) =>
    a.Properties.Metrics?.some((m: { Expression?: string }) => pattern.test(m.Expression ?? '')),
  );

/** The one dashboard's name and widgets; `widget(title)` is that widget's metrics as JSON text. */
function dashboardOf(template: Template) {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  // The body is a Fn::Join of JSON text and tokens (region, queue names): put placeholders in and parse it.
  const parts = dashboards[0]?.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as {
    widgets: { x: number; width: number; properties: { title: string; metrics: unknown[] } }[];
  };
  const widget = (title: RegExp) => {
    const found = body.widgets.find((w) => title.test(w.properties.title));
    if (!found) throw new Error(`no widget ${title}`);
    return JSON.stringify(found.properties.metrics);
  };
  return {
    name: dashboards[0]?.Properties.DashboardName as string,
    widget,
    titles: body.widgets.map((w) => w.properties.title),
    widgets: body.widgets,
  };
}

describe('alarms and dashboard', () => {
  beforeAll(() => {
    template = synthApp({
      stage: 'prod',
      apps: [
        { bundleId: 'com.example.voip', environments: ['production'] },
        { bundleId: 'com.example.other', environments: ['sandbox'] },
      ],
      alarmEmail: 'oncall@example.com',
      receiptRateFloor: 0.8,
    }).statelessTemplate;
    alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Alarm[];
  });

  it('sends every alarm and its recovery to the KMS-encrypted alarm topic when built', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/AlarmTopic/) }]);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  it('subscribes the alarm e-mail when alarmEmail is set', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('alarms when the DLQ holds any message', () => {
    const [dlq] = byMetric('ApproximateNumberOfMessagesVisible');
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    expect(dlq?.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(JSON.stringify(dlq?.Properties.Dimensions)).toMatch(/DeadLetterQueue/);
  });

  it('alarms when the oldest call event is older than a ring window', () => {
    expect(byMetric('ApproximateAgeOfOldestMessage')[0]?.Properties).toMatchObject({
      Threshold: 30,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on the push failure rate computed by metric math over 5 minutes', () => {
    const [rate] = byExpression(/failed \/ \(accepted \+ failed\)/);
    const metrics = rate?.Properties.Metrics as { Id: string; MetricStat?: Json }[];
    const stat = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat;
    expect(stat('accepted')).toMatchObject({
      Metric: {
        Namespace: 'VoipPush',
        MetricName: 'PushAccepted',
        Dimensions: [{ Name: 'service', Value: 'voip-push-sender' }],
      },
      Period: 300,
      Stat: 'Sum',
    });
    expect(stat('failed')?.Metric.MetricName).toBe('PushFailed');
  });

  it('alarms on p99 delivery latency and on any APNs 403 from the sender', () => {
    expect(byMetric('DeliveryLatency', 'voip-push-sender')[0]?.Properties).toMatchObject({
      Namespace: 'VoipPush',
      ExtendedStatistic: 'p99',
    });
    expect(byMetric('ApnsAuthError', 'voip-push-sender')[0]?.Properties).toMatchObject({
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on any lost delivery record from the sender', () => {
    expect(byMetric('DeliveryRecordLost', 'voip-push-sender')[0]?.Properties).toMatchObject({
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms per bundle when a certificate has fewer than 30 days left', () => {
    const certificate = byMetric('CertificateDaysLeft', 'voip-push-sender');
    expect(certificate.map((a) => a.Properties.Dimensions)).toEqual([
      [
        { Name: 'BundleId', Value: 'com.example.voip' },
        { Name: 'service', Value: 'voip-push-sender' },
      ],
      [
        { Name: 'BundleId', Value: 'com.example.other' },
        { Name: 'service', Value: 'voip-push-sender' },
      ],
    ]);
    for (const alarm of certificate) {
      expect(alarm.Properties).toMatchObject({
        Threshold: 30,
        ComparisonOperator: 'LessThanThreshold',
        Statistic: 'Minimum',
      });
    }
  });

  it('alarms on Errors and Throttles of each of the three functions', () => {
    expect(byMetric('Errors')).toHaveLength(3);
    expect(byMetric('Throttles')).toHaveLength(3);
    for (const alarm of [...byMetric('Errors'), ...byMetric('Throttles')]) {
      expect(alarm.Properties.Namespace).toBe('AWS/Lambda');
    }
  });

  it('alarms when receipts per accepted VoIP push fall below the floor over an hour and stays quiet without traffic', () => {
    const [receipt] = byExpression(/receipts/);
    expect(receipt?.Properties).toMatchObject({
      Threshold: 0.8,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const metrics = receipt?.Properties.Metrics as { Id: string; MetricStat?: Json; ReturnData?: boolean }[];
    const stat = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat;
    expect(stat('receipts')).toMatchObject({
      Metric: {
        MetricName: 'ReceiptReceived',
        Dimensions: [{ Name: 'service', Value: 'voip-push-receipts' }],
      },
      Period: 3600,
    });
    expect(stat('accepted')).toMatchObject({
      Metric: {
        MetricName: 'VoipPushAccepted',
        Dimensions: [{ Name: 'service', Value: 'voip-push-sender' }],
      },
      Period: 3600,
    });
  });

  it('has exactly the alarms of the runbook when built with two apps', () => {
    // DLQ, queue age, failure rate, p99 latency, APNs 403, lost delivery record, 2 certificates,
    // 3 × (errors, throttles), receipt rate.
    expect(alarms).toHaveLength(15);
  });

  it('draws latency, throughput, outcomes by reason, queues and receipts on one dashboard', () => {
    const { name, widget, titles } = dashboardOf(template);
    expect(name).toBe('voip-push-prod');
    expect(widget(/^Delivery latency/)).toMatch(/DeliveryLatency.*p50.*p90.*p99/);
    expect(widget(/^APNs latency/)).toMatch(/ApnsLatency.*p99/);
    expect(widget(/^Queue delay/)).toMatch(/QueueDelay.*p99/);
    expect(widget(/^Throughput/)).toContain('PushAccepted');
    expect(widget(/^Throughput/)).toContain('AmbiguousRetry');
    expect(widget(/^Outcomes by reason/)).toContain(
      `SEARCH('{VoipPush,Reason,service} MetricName=\\"PushOutcome\\" service=\\"voip-push-sender\\"', 'Sum', 60)`,
    );
    expect(widget(/^Call queue/)).toMatch(
      /ApproximateNumberOfMessagesVisible.*ApproximateAgeOfOldestMessage/,
    );
    expect(widget(/^Dead-letter queue/)).toContain('ApproximateNumberOfMessagesVisible');
    expect(widget(/^Receipt rate/)).toMatch(
      /ReceiptReceived.*voip-push-receipts.*VoipPushAccepted.*voip-push-sender/,
    );
    expect(widget(/^Phone latency/)).toMatch(/PhoneLatency.*p99/);
    // Without an android app the dashboard is what it was before Android.
    expect(titles.filter((t) => /FCM|platform/.test(t))).toEqual([]);
  });

  it('outputs the API URL, dashboard name and alarm topic ARN when built', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['ApiUrl', 'DashboardName', 'AlarmTopicArn']),
    );
  });
});

describe('alarms and dashboard with android apps', () => {
  const synthAlarms = (apps: unknown[]) => {
    const built = synthApp({ stage: 'prod', apps, alarmEmail: 'oncall@example.com' }).statelessTemplate;
    return { built, found: Object.values(built.findResources('AWS::CloudWatch::Alarm')) as Alarm[] };
  };
  const named = (found: Alarm[], metricName: string) =>
    found.filter((a) => a.Properties.MetricName === metricName);

  let both: ReturnType<typeof synthAlarms>;
  beforeAll(() => {
    both = synthAlarms([
      { bundleId: 'com.example.voip', environments: ['production'] },
      { platform: 'android', bundleId: 'com.example.voip' },
    ]);
  });

  it('alarms on any FCM credential refusal from the sender, beside the APNs 403 alarm', () => {
    const [fcm, ...more] = named(both.found, 'FcmAuthError');
    expect(more).toEqual([]);
    expect(fcm?.Properties).toMatchObject({
      Namespace: 'VoipPush',
      Dimensions: [{ Name: 'service', Value: 'voip-push-sender' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: expect.stringMatching(/AlarmTopic/) }],
    });
    expect(fcm?.Properties.AlarmDescription).toMatch(/SENDER_ID_MISMATCH, PERMISSION_DENIED, 401/);
    expect(named(both.found, 'ApnsAuthError')).toHaveLength(1);
    // The iOS-only runbook's 14 alarms of one app, plus FcmAuthError.
    expect(both.found).toHaveLength(15);
  });

  it('has no APNs credential or certificate alarm when every app is android', () => {
    const { found } = synthAlarms([{ platform: 'android', bundleId: 'com.example.voip' }]);
    expect(named(found, 'FcmAuthError')).toHaveLength(1);
    expect(named(found, 'ApnsAuthError')).toEqual([]);
    expect(named(found, 'CertificateDaysLeft')).toEqual([]);
    expect(found).toHaveLength(13);
  });

  it('draws FCM latency and accepted and failed pushes per platform, on rows that fit the grid', () => {
    const { widget, widgets } = dashboardOf(both.built);
    expect(widget(/^FCM latency/)).toMatch(/"FcmLatency","service","voip-push-sender".*p50.*p90.*p99/);
    const byPlatform = JSON.parse(widget(/^Pushes by platform/)) as unknown[][];
    expect(byPlatform.map((m) => m.slice(0, 6))).toEqual(
      ['ios', 'android'].flatMap((platform) =>
        ['PushAccepted', 'PushFailed'].map((name) => [
          'VoipPush',
          name,
          'Platform',
          platform,
          'service',
          'voip-push-sender',
        ]),
      ),
    );
    for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });
});
