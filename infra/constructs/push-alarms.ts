import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Platform } from '../../shared/domain/device';
import { credentialErrorMetric, MetricName, ServiceName } from '../../shared/platform/metric-names';
import { pushMetric } from '../push-metrics';

export interface PushAlarmsProps {
  readonly topic: ITopic;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Functions whose Errors and Throttles are alarmed, by a short name used in the alarm ids. */
  readonly functions: Record<string, IFunction>;
  /** One CertificateDaysLeft alarm per iOS bundle id. */
  readonly bundleIds: readonly string[];
  /** One credential-error alarm (ApnsAuthError, FcmAuthError) per platform with an app. */
  readonly platforms: readonly Platform[];
  /** Lowest acceptable ReceiptReceived / VoipPushAccepted over an hour, e.g. 0.8. */
  readonly receiptRateFloor: number;
  /** @default 30 (seconds; the default ring window: an older event no longer rings anyone) */
  readonly maxQueueAgeSeconds?: number;
  /** @default 0.05 (5 % of terminal outcomes over 5 minutes) */
  readonly maxFailureRate?: number;
  /** @default 5000 (ms from the event's createdAt to APNs' answer) */
  readonly maxDeliveryLatencyP99Ms?: number;
  /** @default 30 (days) */
  readonly minCertificateDaysLeft?: number;
  /** Accepted VoIP pushes an hour needs before the receipt rate is judged. @default 20 */
  readonly receiptRateMinPushes?: number;
}

/** What a credential-error alarm means (docs/operations.md), by platform. */
const CREDENTIAL_ERROR: Record<Platform, string> = {
  ios: 'APNs answered 403: credential revoked, expired or for the wrong environment.',
  android:
    'FCM refused the credential (SENDER_ID_MISMATCH, PERMISSION_DENIED, 401 or an OAuth refusal): wrong project or revoked key.',
};

/** The alarms of the platform runbook; every one notifies the alarm topic (and tells it when it clears). */
export class PushAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: PushAlarmsProps) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
    const sender = ServiceName.sender;
    const minute = Duration.minutes(1);

    this.add('DeadLetterQueueNotEmpty', 'Call events reached the DLQ: they will never ring.', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: 'Maximum',
      }),
      threshold: 0,
    });
    this.add(
      'QueueOldestMessageAge',
      'Call events wait longer than a ring window: the sender is behind or failing.',
      {
        metric: props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' }),
        threshold: props.maxQueueAgeSeconds ?? 30,
      },
    );
    this.add('PushFailureRate', 'Share of pushes that failed terminally over 5 minutes.', {
      metric: new MathExpression({
        label: 'PushFailed / (PushAccepted + PushFailed)',
        expression: 'IF((accepted + failed) > 0, failed / (accepted + failed), 0)',
        usingMetrics: {
          accepted: pushMetric(MetricName.PushAccepted, sender),
          failed: pushMetric(MetricName.PushFailed, sender),
        },
        period: Duration.minutes(5),
      }),
      threshold: props.maxFailureRate ?? 0.05,
    });
    this.add('DeliveryLatencyP99', 'p99 time from call event to APNs answer is too high: phones ring late.', {
      metric: pushMetric(MetricName.DeliveryLatency, sender, { statistic: 'p99' }),
      threshold: props.maxDeliveryLatencyP99Ms ?? 5000,
    });
    for (const platform of props.platforms) {
      const metricName = credentialErrorMetric(platform);
      this.add(metricName, CREDENTIAL_ERROR[platform], {
        metric: pushMetric(metricName, sender),
        threshold: 0,
      });
    }
    this.add(
      'DeliveryRecordLost',
      'APNs accepted a push but its delivery record could not be written: a redelivery could ring twice.',
      { metric: pushMetric(MetricName.DeliveryRecordLost, sender), threshold: 0 },
    );
    for (const bundleId of props.bundleIds) {
      this.add(
        `CertificateDaysLeft-${bundleId}`,
        `The APNs certificate of ${bundleId} expires soon: renew and load it.`,
        {
          metric: pushMetric(MetricName.CertificateDaysLeft, sender, {
            statistic: 'Minimum',
            period: Duration.hours(1),
            extraDimensions: { BundleId: bundleId },
          }),
          threshold: props.minCertificateDaysLeft ?? 30,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        },
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, `The ${name} function failed invocations.`, {
        metric: fn.metricErrors(),
        threshold: 0,
      });
      this.add(`${name}Throttles`, `The ${name} function was throttled.`, {
        metric: fn.metricThrottles(),
        threshold: 0,
      });
    }
    this.add(
      'ReceiptRate',
      'Fewer phones confirm receipt than VoIP pushes APNs accepted: pushes are lost after APNs.',
      {
        // Only VoIP pushes get receipts, so the denominator is VoipPushAccepted: missed-call alerts (in
        // PushAccepted) would lower the rate without anything being lost.
        // No verdict on a quiet hour (fewer than the minimum pushes): the expression then answers 1 (healthy);
        // an hour with no pushes at all has no data, which is "not breaching". Pushes but no receipt count as 0.
        metric: new MathExpression({
          label: 'ReceiptReceived / VoipPushAccepted',
          expression: `IF(FILL(accepted, 0) >= ${props.receiptRateMinPushes ?? 20}, FILL(receipts, 0) / accepted, 1)`,
          usingMetrics: {
            receipts: pushMetric(MetricName.ReceiptReceived, ServiceName.receipts, {
              period: Duration.hours(1),
            }),
            accepted: pushMetric(MetricName.VoipPushAccepted, sender, { period: Duration.hours(1) }),
          },
          period: Duration.hours(1),
        }),
        threshold: props.receiptRateFloor,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      },
    );
  }

  private add(
    id: string,
    description: string,
    options: { metric: IMetric; threshold: number; comparisonOperator?: ComparisonOperator },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data means no traffic (or, for certificates, a token credential): nothing to page about.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }
}
