import { beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { acknowledgements, EVERY_OPTION, type SynthesizedApp, synthApp } from './synth-app';

describe('cdk-nag AwsSolutions', () => {
  let everyOption: SynthesizedApp;
  beforeAll(() => {
    // synthApp runs the pack during app.synth(): an unacknowledged finding throws here.
    everyOption = synthApp(EVERY_OPTION, { bundle: true });
  });

  it('synthesizes and bundles the three handlers with no unacknowledged finding when every option is set', () => {
    const code = Object.values(everyOption.statelessTemplate.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties.Code.S3Key,
    );
    expect(new Set(code).size).toBe(3);
  });

  it('synthesizes with no unacknowledged finding when the cdk.json defaults are used', () => {
    expect(() => synthApp()).not.toThrow();
  });

  it('fails synthesis when a resource breaks a rule', () => {
    expect(() =>
      synthApp(
        {},
        {
          beforeSynth: ({ stateless }) => {
            new Queue(stateless, 'CarelessQueue');
          },
        },
      ),
    ).toThrow(/CarelessQueue[\s\S]*AwsSolutions-SQS4/);
  });

  it('acknowledges only SMG4 on each secret and L1 on each function, each with a written reason', () => {
    const { stateful, stateless } = everyOption;
    const found = [...acknowledgements(stateful), ...acknowledgements(stateless)].filter((a) =>
      a.id.startsWith('AwsSolutions-'),
    );
    expect(found.map((a) => `${a.id} ${a.path}`).sort()).toEqual([
      'AwsSolutions-L1 VoipPush-prod-Stateless/Receipts/Function',
      'AwsSolutions-L1 VoipPush-prod-Stateless/Register/Function',
      'AwsSolutions-L1 VoipPush-prod-Stateless/Sender/Function',
      'AwsSolutions-SMG4 VoipPush-prod-Stateful/ApnsSecrets/com.example.other',
      'AwsSolutions-SMG4 VoipPush-prod-Stateful/ApnsSecrets/com.example.voip',
      'AwsSolutions-SMG4 VoipPush-prod-Stateful/FcmSecrets/com.example.voip',
    ]);
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(40);
  });
});
