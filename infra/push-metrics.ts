import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, type MetricNameValue, type ServiceName } from '../shared/platform/metric-names';

export type Service = (typeof ServiceName)[keyof typeof ServiceName];

/**
 * A metric of the contract in `shared/platform/metric-names.ts`. Powertools adds the `service`
 * dimension to every metric, so it must be the service that emits it.
 */
export function pushMetric(
  metricName: MetricNameValue,
  service: Service,
  options: MetricOptions & { readonly extraDimensions?: Record<string, string> } = {},
): Metric {
  const { extraDimensions, ...rest } = options;
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...extraDimensions },
    period: Duration.minutes(5),
    statistic: 'Sum',
    ...rest,
  });
}

/** SEARCH expression for a metric whose extra dimension values are only known at run time. */
export function searchExpression(
  metricName: MetricNameValue,
  service: Service,
  dimension: string,
  stat: string,
  periodSeconds: number,
): string {
  return `SEARCH('{${METRICS_NAMESPACE},${dimension},service} MetricName="${metricName}" service="${service}"', '${stat}', ${periodSeconds})`;
}
