import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type VoipPushApp } from '../../infra/build-app';
import { addPolicyChecks } from '../../infra/policy-checks';

/** The context defaults of cdk.json, so tests synthesize what `npm run synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

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
