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
  const template = Template.fromStack(new LeadflowStack(new App(), 'Leadflow'));
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const definition = machine?.Properties.DefinitionString as { 'Fn::Join': [string, Part[]] };
  return definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part.Ref === 'AWS::Partition') return 'aws';
      const [logicalId] = part['Fn::GetAtt'] ?? [];
      if (logicalId?.startsWith('JourneyAdvanceFunction')) return 'ADVANCE_FUNCTION';
      if (logicalId?.startsWith('JourneyAwaitFunction')) return 'AWAIT_FUNCTION';
      throw new Error(`Unexpected token in the deployed definition: ${JSON.stringify(part)}`);
    })
    .join('');
};

it('the local runtime executes the definition the stack deploys, ARNs aside', () => {
  const local = JSON.stringify(journeyDefinitionForLocal())
    .replaceAll(localFunctionArn(localJourneyFunctions.advance), 'ADVANCE_FUNCTION')
    .replaceAll(localFunctionArn(localJourneyFunctions.await), 'AWAIT_FUNCTION');

  const deployed: unknown = JSON.parse(deployedDefinition());

  expect(JSON.parse(local)).toEqual(deployed);
  expect(local).toContain('ADVANCE_FUNCTION');
  expect(local).toContain('AWAIT_FUNCTION');
}, 120_000);
