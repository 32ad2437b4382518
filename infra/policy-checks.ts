import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type App,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * The rule packs every synthesis runs (`npm run synth`, `cdk deploy` and the infra tests alike): cdk-nag's
 * AwsSolutions and AWS Control Tower's proactive controls. An unacknowledged finding fails synthesis.
 */
export function addPolicyChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerRules());
}

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules bundled with `@cdklabs/cdk-validator-cfnguard`),
 * run on every synthesized template. A finding fails synthesis and names the control (`[CT.SQS.PR.1]`),
 * the construct, the template property and the fix. Acknowledge one next to its resource with
 * `Validations.of(construct).acknowledge({ id: 'cdk-validator-cfnguard::<rule name>', reason })`.
 *
 * Why a wrapper: the plugin reports violations without a severity. Once any of them is acknowledged,
 * aws-cdk-lib recomputes the report's verdict from the severities left, and with none set it passes,
 * so a new violation would only be printed. Marking each one an error keeps it failing.
 */
export class ControlTowerRules implements IPolicyValidationPlugin {
  private readonly guard = new CfnGuardValidator();
  /** The plugin's own name, so acknowledgement ids are the ones its report prints. */
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.guard.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: 'error' })),
    };
  }
}
