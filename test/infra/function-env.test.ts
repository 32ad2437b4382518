import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  awsLikeValue,
  envNamesOf,
  FUNCTION_CONFIGS,
  FUNCTION_NAMES,
  type FunctionName,
  RUNTIME_VARIABLES,
  resolveVariables,
  type TemplateFunction,
  templateFunction,
} from '../support/template-env';
import { EVERY_OPTION, type SynthesizedApp, synthApp } from './synth-app';

/**
 * What is wrong between a function's template environment and its config: a variable the template sets
 * that neither the config nor a reviewed reader reads, one the config requires that the template lacks,
 * a reviewed variable with another value than its reader expects (or no longer set).
 */
function envProblems(name: FunctionName, variables: TemplateFunction['variables']): string[] {
  const { names, required } = envNamesOf(FUNCTION_CONFIGS[name].schema);
  const keys = Object.keys(variables);
  return [
    ...keys
      .filter((key) => !names.includes(key) && !(key in RUNTIME_VARIABLES))
      .map((key) => `${name}: the template sets ${key}, which its config does not read`),
    ...required
      .filter((key) => !keys.includes(key))
      .map((key) => `${name}: its config requires ${key}, which the template does not set`),
    ...Object.entries(RUNTIME_VARIABLES)
      .filter(([key, reviewed]) => variables[key] !== reviewed.value(name))
      .map(
        ([key, reviewed]) =>
          `${name}: ${key} is ${JSON.stringify(variables[key])}, not "${reviewed.value(name)}"`,
      ),
  ];
}

describe.each([
  ['the cdk.json defaults', {}],
  ['every option', EVERY_OPTION],
])("each function's template environment against its config (%s)", (_label, context) => {
  let app: SynthesizedApp;
  beforeAll(() => {
    app = synthApp(context);
  });

  it.each(FUNCTION_NAMES)('%s: sets what its config requires and nothing it does not read', (name) => {
    expect(envProblems(name, templateFunction(app, name).variables)).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s: its config loads the deployed values', (name) => {
    const env = resolveVariables(templateFunction(app, name).variables, app.statefulTemplate, awsLikeValue);
    expect(() => FUNCTION_CONFIGS[name].load(env as never)).not.toThrow();
  });
});

describe('the environment check', () => {
  it('names a variable no config reads, a required one missing and a reviewed one gone wrong', () => {
    const { variables } = templateFunction(synthApp(), 'register');
    const { DEVICES_TABLE_NAME: _dropped, ...rest } = variables;
    const broken = { ...rest, DEVICE_TTL: '30', POWERTOOLS_SERVICE_NAME: 'voip-push-sender' };
    expect(envProblems('register', broken)).toEqual([
      'register: the template sets DEVICE_TTL, which its config does not read',
      'register: its config requires DEVICES_TABLE_NAME, which the template does not set',
      'register: POWERTOOLS_SERVICE_NAME is "voip-push-sender", not "voip-push-register"',
    ]);
  });

  it("reads each config's variables from the schema its loader parses", () => {
    expect(envNamesOf(FUNCTION_CONFIGS.receipts.schema)).toEqual({
      names: ['DEVICES_TABLE_NAME', 'DELIVERIES_TABLE_NAME', 'DYNAMODB_ENDPOINT'],
      required: ['DEVICES_TABLE_NAME', 'DELIVERIES_TABLE_NAME'],
    });
  });
});
