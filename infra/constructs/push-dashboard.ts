import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type GraphWidgetProps,
  type IMetric,
  type IWidget,
  MathExpression,
  type Metric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Platform } from '../../shared/domain/device';
import {
  MetricName,
  type MetricNameValue,
  PLATFORM_DIMENSION,
  ServiceName,
} from '../../shared/platform/metric-names';
import { pushMetric, type Service, searchExpression } from '../push-metrics';

export interface PushDashboardProps {
  /** Dashboard name; must be unique in the account and region. */
  readonly dashboardName: string;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /**
   * Platforms with an app. With Android among them the dashboard adds FCM latency and pushes split by
   * platform; an iOS-only dashboard stays as it was.
   */
  readonly platforms: readonly Platform[];
}

const sender = ServiceName.sender;
const receipts = ServiceName.receipts;
const WIDTH = 8;
const HEIGHT = 6;
/** Widgets per row: 3 × WIDTH fills the 24-unit grid. */
const PER_ROW = 3;

function percentiles(name: MetricNameValue, service: Service, stats: string[]): Metric[] {
  return stats.map((statistic) =>
    pushMetric(name, service, { statistic, period: Duration.minutes(1), label: `${name} ${statistic}` }),
  );
}

/** One page for the on-call: is every call ringing, and how fast? */
export class PushDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PushDashboardProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const graph = (title: string, left: IMetric[], extra: Partial<GraphWidgetProps> = {}) =>
      new GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...extra });

    const android = props.platforms.includes('android');
    const widgets: IWidget[] = [
      graph(
        'Delivery latency (event to APNs answer, ms)',
        percentiles(MetricName.DeliveryLatency, sender, ['p50', 'p90', 'p99']),
      ),
      graph('APNs latency (ms)', percentiles(MetricName.ApnsLatency, sender, ['p50', 'p90', 'p99'])),
      ...(android
        ? [graph('FCM latency (ms)', percentiles(MetricName.FcmLatency, sender, ['p50', 'p90', 'p99']))]
        : []),
      graph('Queue delay (ms)', percentiles(MetricName.QueueDelay, sender, ['p50', 'p90', 'p99'])),
      graph('Throughput (pushes accepted / min)', [
        pushMetric(MetricName.PushAccepted, sender, { period: minute }),
        pushMetric(MetricName.PushFailed, sender, { period: minute }),
        pushMetric(MetricName.PushRetried, sender, { period: minute }),
        // Retries of VoIP pushes the platform may already have had (ADR 0009): the app shows one call.
        pushMetric(MetricName.AmbiguousRetry, sender, { period: minute }),
        pushMetric(MetricName.CallExpired, sender, { period: minute }),
      ]),
      ...(android
        ? [
            graph(
              'Pushes by platform (accepted, failed / min)',
              props.platforms.flatMap((platform) =>
                [MetricName.PushAccepted, MetricName.PushFailed].map((name) =>
                  pushMetric(name, sender, {
                    period: minute,
                    label: `${name} ${platform}`,
                    extraDimensions: { [PLATFORM_DIMENSION]: platform },
                  }),
                ),
              ),
            ),
          ]
        : []),
      graph('Outcomes by reason', [
        new MathExpression({
          expression: searchExpression(MetricName.PushOutcome, sender, 'Reason', 'Sum', 60),
          label: '',
          period: minute,
        }),
      ]),
      graph(
        'Call queue',
        [props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' })],
        {
          right: [props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' })],
        },
      ),
      graph('Dead-letter queue depth', [
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: 'Maximum',
        }),
      ]),
      graph('Receipt rate (ReceiptReceived / VoipPushAccepted, 1 h)', [
        new MathExpression({
          expression: 'IF(accepted > 0, FILL(received, 0) / accepted)',
          label: 'receipt rate',
          usingMetrics: {
            received: pushMetric(MetricName.ReceiptReceived, receipts, { period: Duration.hours(1) }),
            accepted: pushMetric(MetricName.VoipPushAccepted, sender, { period: Duration.hours(1) }),
          },
          period: Duration.hours(1),
        }),
      ]),
      graph('Phone latency (APNs accept to receipt, ms)', [
        ...percentiles(MetricName.PhoneLatency, receipts, ['p50', 'p90', 'p99']),
        ...percentiles(MetricName.EndToEndLatency, receipts, ['p99']),
      ]),
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: Array.from({ length: Math.ceil(widgets.length / PER_ROW) }, (_, row) =>
        widgets.slice(row * PER_ROW, (row + 1) * PER_ROW),
      ),
    });
  }
}
