import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app';
import { ConfigError } from './config';
import { addPolicyChecks } from './policy-checks';

/** `npx cdk synth|deploy` entry (cdk.json). Configuration: cdk.json context, overridden with `-c key=value`. */
const app = new App();
try {
  buildApp(app);
} catch (error) {
  // A bad context value is the deployer's mistake, not a bug: one line naming the key, no stack trace.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
addPolicyChecks(app);
app.synth();
