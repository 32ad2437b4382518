import { beforeAll, describe, expect, it } from '@jest/globals';
import { Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { acknowledgements, EVERY_OPTION, type SynthesizedApp, synthApp } from './synth-app';

const PREFIX = 'cdk-validator-cfnguard::';

/** Control Tower acknowledgements under `root`, as "<rule> <path>", with their reasons. */
function controlTowerAcks(root: IConstruct): { key: string; reason: string }[] {
  return acknowledgements(root)
    .filter(({ id }) => id.startsWith(PREFIX))
    .map(({ id, path, reason }) => ({ key: `${id.slice(PREFIX.length)} ${path}`, reason }));
}

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  let prod: SynthesizedApp;
  beforeAll(() => {
    // synthApp runs the rules during app.synth(): an unacknowledged finding throws here, listing each one.
    prod = synthApp(EVERY_OPTION);
  });

  it('synthesizes with no unacknowledged finding when the cdk.json defaults are used', () => {
    expect(() => synthApp()).not.toThrow();
  });

  it('fails synthesis naming the control, the construct and the fix when a log group is not encrypted', () => {
    expect(() =>
      synthApp(EVERY_OPTION, {
        beforeSynth: ({ stateless }) => {
          new LogGroup(stateless, 'CarelessLogs', { retention: RetentionDays.ONE_YEAR });
        },
      }),
    ).toThrow(/\[CT\.CLOUDWATCH\.PR\.3\].*\n.*CarelessLogs.*\n.*Suggested fix: Set 'KmsKeyId'/);
  });

  it('fails synthesis on a new function outside a VPC although the project acknowledges that control on its own', () => {
    expect(() =>
      synthApp(EVERY_OPTION, {
        beforeSynth: ({ stateless }) => {
          const careless = new LambdaFunction(stateless, 'CarelessFunction', {
            runtime: Runtime.NODEJS_22_X,
            handler: 'index.handler',
            code: Code.fromInline('exports.handler = async () => {};'),
            role: new Role(stateless, 'CarelessRole', {
              assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
            }),
          });
          // Only Control Tower may object: cdk-nag's one finding on it (L1) is acknowledged.
          Validations.of(careless).acknowledge({ id: 'AwsSolutions-L1', reason: 'test' });
        },
      }),
    ).toThrow(/\[CT\.LAMBDA\.PR\.3\].*\n.*CarelessFunction/);
  });

  it('acknowledges only a VPC per function and the API invoke permissions in prod, each with a written reason', () => {
    const found = [...controlTowerAcks(prod.stateful), ...controlTowerAcks(prod.stateless)];
    expect(found.map((a) => a.key).sort()).toEqual([
      'lambda_function_public_access_prohibited_check VoipPush-prod-Stateless/Api/HttpApi',
      'lambda_inside_vpc_check VoipPush-prod-Stateless/Receipts/Function',
      'lambda_inside_vpc_check VoipPush-prod-Stateless/Register/Function',
      'lambda_inside_vpc_check VoipPush-prod-Stateless/Sender/Function',
    ]);
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(80);
  });

  it('acknowledges the one-year log retention only for the whole stateless stack when the stage is dev', () => {
    const dev = synthApp({ stage: 'dev' });
    const keys = controlTowerAcks(dev.stateless).map((a) => a.key);
    expect(keys.filter((key) => key.startsWith('cloudwatch_log_group_retention_period_check'))).toEqual([
      'cloudwatch_log_group_retention_period_check VoipPush-dev-Stateless',
    ]);
    expect(controlTowerAcks(dev.stateful)).toEqual([]);
  });
});
