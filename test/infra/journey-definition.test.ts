import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, expect, it } from 'vitest';
import { LeadflowStack } from '../../lib/leadflow-stack.js';
import { fanOutJobDefinitionForLocal, localFanOutFunctions } from '../../lib/workflows/fan-out-job.js';
import {
  journeyDefinitionForLocal,
  localFunctionArn,
  localJourneyFunctions,
} from '../../lib/workflows/journey.js';

type Part = string | { Ref?: string; 'Fn::GetAtt'?: [string, string] };

/** Each deployed state machine's function, by its logical id's start, and the name it stands as. */
const functionNames: [prefix: string, name: string][] = [
  ['JourneyAdvanceFunction', 'ADVANCE_FUNCTION'],
  ['JourneyAwaitFunction', 'AWAIT_FUNCTION'],
  ['FanOutJobsPagesFunction', 'PAGES_FUNCTION'],
  ['FanOutJobsBatchFunction', 'BATCH_FUNCTION'],
];

let deployed: string[] = [];

/** The deployed definitions as text, their function ARNs replaced by the function's role. */
beforeAll(() => {
  // The feature flags `cdk synth` uses; no bundling: the definition names functions, not their code.
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new LeadflowStack(app, 'Leadflow'));
  deployed = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((machine) => {
    const definition = machine.Properties.DefinitionString as { 'Fn::Join': [string, Part[]] };
    expect(definition['Fn::Join'][0]).toBe('');
    return definition['Fn::Join'][1]
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part.Ref === 'AWS::Partition') return 'aws';
        const [logicalId, attribute] = part['Fn::GetAtt'] ?? [];
        const name = functionNames.find(([prefix]) => logicalId?.startsWith(prefix))?.[1];
        if (attribute === 'Arn' && name) return name;
        throw new Error(`Unexpected token in the deployed definition: ${JSON.stringify(part)}`);
      })
      .join('');
  });
}, 120_000);

/** The deployed definition that names `functionName`, parsed. */
const deployedWith = (functionName: string) => {
  const found = deployed.filter((definition) => definition.includes(functionName));
  expect(found).toHaveLength(1);
  return JSON.parse(found[0] ?? '{}') as {
    States: Record<string, { Resource?: string; ItemProcessor?: unknown }>;
  };
};

it('deploys two state machines: the journey and the fan-out job', () => {
  expect(deployed).toHaveLength(2);
});

it('the local runtime executes the journey the stack deploys, ARNs aside', () => {
  const local = JSON.stringify(journeyDefinitionForLocal())
    .replaceAll(localFunctionArn(localJourneyFunctions.advance), 'ADVANCE_FUNCTION')
    .replaceAll(localFunctionArn(localJourneyFunctions.await), 'AWAIT_FUNCTION');
  const journey = deployedWith('ADVANCE_FUNCTION');

  expect(JSON.parse(local)).toEqual(journey);
  expect(local).toContain('AWAIT_FUNCTION');
  // The deployed side is not vacuous: its states include the continue-as-new on itself.
  expect(journey.States['Continue as a new execution']?.Resource).toBe(
    'arn:aws:states:::states:startExecution',
  );
});

it('the local runtime executes the fan-out job the stack deploys, ARNs aside', () => {
  const local = JSON.stringify(fanOutJobDefinitionForLocal())
    .replaceAll(localFunctionArn(localFanOutFunctions.pages), 'PAGES_FUNCTION')
    .replaceAll(localFunctionArn(localFanOutFunctions.batch), 'BATCH_FUNCTION');
  const job = deployedWith('PAGES_FUNCTION');

  expect(JSON.parse(local)).toEqual(job);
  expect(local).toContain('BATCH_FUNCTION');
  // Not vacuous: the deployed map is a Distributed Map of Express children.
  expect(job.States['Wake the page']?.ItemProcessor).toMatchObject({
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
  });
});
