import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect, it } from 'vitest';
import { LeadflowStack } from '../../lib/leadflow-stack.js';
import {
  journeyDefinitionForLocal,
  localFunctionArn,
  localJourneyFunctions,
} from '../../lib/workflows/journey.js';

type Part = string | { Ref?: string; 'Fn::GetAtt'?: [string, string] };

/** The deployed definition as text, its function ARNs replaced by the function's role in the journey. */
const deployedDefinition = (): string => {
  // The feature flags `cdk synth` uses; no bundling: the definition names functions, not their code.
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new LeadflowStack(app, 'Leadflow'));
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  const definition = machines[0]?.Properties.DefinitionString as { 'Fn::Join': [string, Part[]] };
  expect(definition['Fn::Join'][0]).toBe('');
  return definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.Ref === 'AWS::Partition') return 'aws';
      const [logicalId, attribute] = part['Fn::GetAtt'] ?? [];
      if (attribute === 'Arn' && logicalId?.startsWith('JourneyAdvanceFunction')) return 'ADVANCE_FUNCTION';
      if (attribute === 'Arn' && logicalId?.startsWith('JourneyAwaitFunction')) return 'AWAIT_FUNCTION';
      throw new Error(`Unexpected token in the deployed definition: ${JSON.stringify(part)}`);
    })
    .join('');
};

it('the local runtime executes the definition the stack deploys, ARNs aside', () => {
  const local = JSON.stringify(journeyDefinitionForLocal())
    .replaceAll(localFunctionArn(localJourneyFunctions.advance), 'ADVANCE_FUNCTION')
    .replaceAll(localFunctionArn(localJourneyFunctions.await), 'AWAIT_FUNCTION');

  const deployed = JSON.parse(deployedDefinition()) as { States: Record<string, { Resource?: string }> };

  expect(JSON.parse(local)).toEqual(deployed);
  expect(local).toContain('ADVANCE_FUNCTION');
  expect(local).toContain('AWAIT_FUNCTION');
  // The deployed side is not vacuous: its states include the continue-as-new on itself.
  expect(deployed.States['Continue as a new execution']?.Resource).toBe(
    'arn:aws:states:::states:startExecution',
  );
}, 120_000);
