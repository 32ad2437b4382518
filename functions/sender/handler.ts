import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loggerSink, PowertoolsMetricsSink } from '../../shared/adapters/powertools-telemetry';
import { METRICS_NAMESPACE, ServiceName } from '../../shared/platform/metric-names';
import { loadSenderConfig } from './config';
import { createSenderHandler } from './create-handler';
import { buildSenderDeps } from './wiring';

// Module scope runs once per execution environment: configuration checked, clients, the APNs
// connections and the credential cache built here and reused by every warm invocation.
const config = loadSenderConfig();
const logger = new Logger({ serviceName: ServiceName.sender });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ServiceName.sender });

export const handler = createSenderHandler(
  buildSenderDeps(config, { log: loggerSink(logger), metrics: new PowertoolsMetricsSink(metrics) }),
);
