import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './build-app';

/** `npx cdk synth|deploy` entry (cdk.json). Configuration: cdk.json context, overridden with `-c key=value`. */
const app = new App();
buildApp(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
