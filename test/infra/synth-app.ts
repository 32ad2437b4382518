import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp, type VoipPushApp } from '../../infra/build-app';
import { addPolicyChecks } from '../../infra/policy-checks';

/** The context defaults of cdk.json, so tests synthesize what `npm run synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/**
 * A production stage with every optional setting used (two iOS apps and an Android one, alarm e-mail,
 * cross-account senders).
 */
export const EVERY_OPTION = {
  stage: 'prod',
  apps: [
    { bundleId: 'com.example.voip', environments: ['sandbox', 'production'] },
    { bundleId: 'com.example.other', environments: ['production'] },
    { platform: 'android', bundleId: 'com.example.voip' },
  ],
  alarmEmail: 'oncall@example.com',
  senderPrincipals: ['123456789012', 'arn:aws:iam::210987654321:role/call-control'],
};

export interface SynthesizedApp extends VoipPushApp {
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
}

export interface SynthOptions {
  /**
   * Run esbuild on the three handlers. Templates are the same without it (asset hashes aside), so only
   * the suite that proves the handlers bundle pays for it.
   * @default false
   */
  readonly bundle?: boolean;
  /** Called after the stacks are built and before synthesis, e.g. to add an offending resource. */
  readonly beforeSynth?: (built: VoipPushApp) => void;
}

/**
 * Builds the app from cdk.json's context plus `overrides`, runs cdk-nag's AwsSolutions pack and AWS
 * Control Tower's proactive controls during synthesis, as `npm run synth` does (an unacknowledged
 * finding makes `app.synth()` throw), and returns both templates.
 */
export function synthApp(
  overrides: Record<string, unknown> = {},
  options: SynthOptions = {},
): SynthesizedApp {
  const bundling = options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] };
  const app = new App({ context: { ...cdkJsonContext(), ...bundling, ...overrides } });
  const built = buildApp(app);
  options.beforeSynth?.(built);
  addPolicyChecks(app);
  app.synth();
  return {
    ...built,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate: Template.fromStack(built.stateless),
  };
}

export interface Acknowledged {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded with `Validations.of(x).acknowledge()` (metadata `{ [id]: reason }`), with where it sits. */
export function acknowledgements(root: IConstruct): Acknowledged[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      // aws-cdk-lib records a bare id as `Annotation::<id>`; cdk-nag 3.0.2 strips that prefix when matching.
      .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason })),
  );
}

/** A value of synthesized CloudFormation JSON (what `Template.toJSON()` returns is untyped). */
type Json = ReturnType<Template['toJSON']>[string];

/**
 * What a stateless-stack value that lists secrets (an env var, a policy's Resource) comes to once
 * deployed, with each imported secret ARN replaced by that secret's name: `Fn::Join` is joined,
 * `Fn::ImportValue` is followed to the stateful stack's export and the secret it refers to.
 */
export function secretNamesOf(value: Json, statefulTemplate: Template): string {
  const { Outputs: outputs, Resources: resources } = statefulTemplate.toJSON();
  const resolve = (v: Json): string => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(resolve).join(',');
    if (v?.['Fn::Join']) return (v['Fn::Join'][1] as Json[]).map(resolve).join(v['Fn::Join'][0]);
    const exported = Object.values(outputs as Record<string, Json>).find(
      (o) => o.Export?.Name === v?.['Fn::ImportValue'],
    );
    const secret = resources[exported?.Value?.Ref];
    if (secret?.Type !== 'AWS::SecretsManager::Secret') throw new Error(`not a secret: ${JSON.stringify(v)}`);
    return secret.Properties.Name;
  };
  return resolve(value);
}
