import type { App } from 'aws-cdk-lib';
import { type DeployConfig, parseConfig } from './config';
import { StatefulStack } from './stacks/stateful-stack';
import { StatelessStack } from './stacks/stateless-stack';

export interface VoipPushApp {
  readonly config: DeployConfig;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Adds both stacks of one stage to `app`, from the app's context. Stacks are environment-agnostic
 * unless `account` and `region` are given in context. Shared by `app.ts` and the infra tests.
 */
export function buildApp(app: App): VoipPushApp {
  const config = parseConfig((key) => app.node.tryGetContext(key));
  const env =
    config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const prefix = `VoipPush-${config.stage}`;
  const tags = { project: 'voip-push', stage: config.stage };
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    config,
    env,
    tags,
    description: `voip-push ${config.stage}: tables, call queue, APNs secrets`,
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    config,
    stateful,
    env,
    tags,
    description: `voip-push ${config.stage}: functions, HTTP API, alarms, dashboard`,
  });
  return { config, stateful, stateless };
}
