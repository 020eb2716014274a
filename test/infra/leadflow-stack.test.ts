import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, routeKey } from '../../lib/api-routes.js';
import { LeadflowStack } from '../../lib/leadflow-stack.js';
import { tableDesign } from '../../lib/table-design.js';

const origins = ['https://www.example.com', 'https://go.example.com'];

type Resources = Record<string, { Properties: Record<string, unknown> }>;
type Statement = { Action: string | string[]; Resource: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * Leadflow's own functions (LeadflowFunction names each by its service), not the handler that
 * aws-s3-deployment adds to upload the web pages.
 */
const leadflowFunctions = (template: Template) =>
  Object.values(template.findResources('AWS::Lambda::Function') as Resources).filter(
    (fn) =>
      (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.POWERTOOLS_SERVICE_NAME !== undefined,
  );

/** The context `cdk synth` reads from cdk.json: the feature flags and the example deployment settings. */
const { context: cdkJsonContext } = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
) as { context: Record<string, unknown> };

let template: Template;
let stack: LeadflowStack;
let app: App;
let nag: AwsSolutionsChecks;
let tableLogicalId: string;

beforeAll(() => {
  // Prepare: the same feature flags `cdk synth` uses, and cdk-nag, whose findings fail the synthesis.
  app = new App({ context: { ...cdkJsonContext, 'leadflow:allowedOrigins': origins } });
  nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  stack = new LeadflowStack(app, 'Leadflow');

  // Act: one synthesis (it bundles both handlers with esbuild) for the whole file.
  template = Template.fromStack(stack);
  const [id] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
  if (!id) throw new Error('no table in the template');
  tableLogicalId = id;
}, 120_000);

describe('contact store', () => {
  it('is one on-demand table shaped by tableDesign, with TTL and the GSI', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: tableDesign.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: tableDesign.globalSecondaryIndexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
      SSESpecification: { SSEEnabled: true },
      TableName: Match.absent(),
    });
  });

  it('lists all contacts through gsi2, by creation month, projecting every attribute', () => {
    expect(tableDesign.globalSecondaryIndexes.map((index) => index.indexName)).toEqual(['gsi1', 'gsi2']);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
    });
  });

  it('has point-in-time recovery on and is retained when the stack goes', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('functions', () => {
  it('run on the newest Node.js runtime, arm64, traced, with an own log group and no fixed name', () => {
    const functions = leadflowFunctions(template);
    expect(functions).toHaveLength(9);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: expect.any(Number),
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(30);
      expect(fn.Properties).not.toHaveProperty('FunctionName');
    }
  });

  it('keep their logs for a month', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('give intake the table, its service name and source maps', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: tableLogicalId },
          POWERTOOLS_SERVICE_NAME: 'intake',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('give every function each environment variable its code requires', () => {
    const required: Record<string, string[]> = {
      intake: ['TABLE_NAME', 'JOURNEY_STATE_MACHINE_ARN', 'INTAKE_RATE_PER_MINUTE'],
      admin: ['TABLE_NAME', 'EVENT_BUS_NAME'],
      templates: ['TABLE_NAME'],
      // The advance and await functions share the service name; what advance alone needs is checked under contact events.
      journey: ['TABLE_NAME'],
      'mail-events': ['TABLE_NAME'],
      unsubscribe: ['TABLE_NAME'],
      jobs: ['TABLE_NAME'],
    };
    const functions = leadflowFunctions(template);
    const sending = ['SENDER_ADDRESS', 'SES_CONFIGURATION_SET', 'POSTAL_ADDRESS', 'UNSUBSCRIBE_URL'];
    const variablesOf = (fn: (typeof functions)[number]) =>
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const fn of functions) {
      const variables = variablesOf(fn);
      const service = String(variables.POWERTOOLS_SERVICE_NAME);
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining(required[service] ?? ['unknown service']),
      );
    }
    // Three functions send email: the journey step (schedules), intake (what a contact asked for,
    // double opt-in) and templates (test sends); the rest never do.
    const senders = functions.filter((fn) => sending.every((name) => name in variablesOf(fn)));
    expect(senders.map((fn) => String(variablesOf(fn).POWERTOOLS_SERVICE_NAME)).sort()).toEqual([
      'intake',
      'journey',
      'templates',
    ]);
  });

  it('give the journey step the mail settings: cdk.json context, the set, and the API’s unsubscribe URL', () => {
    const [advance] = Object.entries(template.findResources('AWS::Lambda::Function') as Resources)
      .filter(([id]) => id.startsWith('JourneyAdvanceFunction'))
      .map(([, fn]) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
    const [httpApiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    const [configurationSetId] = Object.keys(template.findResources('AWS::SES::ConfigurationSet'));

    expect(advance).toMatchObject({
      SENDER_ADDRESS: cdkJsonContext['leadflow:senderAddress'],
      POSTAL_ADDRESS: cdkJsonContext['leadflow:postalAddress'],
      SES_CONFIGURATION_SET: { Ref: configurationSetId },
      // The stage URL ends in `/`: one slash before the path, not two.
      UNSUBSCRIBE_URL: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: httpApiId },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/v1/unsubscribe',
          ],
        ],
      },
    });
    // Not configured: the adapter falls back to https://<the sender's domain> and no mailto.
    expect(advance).not.toHaveProperty('SITE_URL');
    expect(advance).not.toHaveProperty('UNSUBSCRIBE_MAILTO');
  });

  it('give admin the table and its service name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: { Ref: tableLogicalId },
          POWERTOOLS_SERVICE_NAME: 'admin',
        }),
      },
    });
  });
});

describe('IAM', () => {
  const policies = () => Object.values(template.findResources('AWS::IAM::Policy') as Resources);
  const statementsOf = (policy: { Properties: Record<string, unknown> }) =>
    (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

  it('roles carry no AWS managed policy, but for the web deployment’s handler', () => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role') as Resources);
    // One per function, the two state machines', and the web deployment handler's.
    expect(roles).toHaveLength(12);
    for (const [id, role] of roles) {
      // aws-s3-deployment fixes its role (AWSLambdaBasicExecutionRole); acknowledged in AdminSite.
      if (id.startsWith('CustomCDKBucketDeployment')) continue;
      expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  it('functions may use DynamoDB on the table and its indexes only', () => {
    const tableArn = { 'Fn::GetAtt': [tableLogicalId, 'Arn'] };
    const indexArns = { 'Fn::Join': ['', [tableArn, '/index/*']] };
    const withDynamo = policies().filter((policy) =>
      statementsOf(policy).some((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:'))),
    );
    expect(withDynamo).toHaveLength(9);
    for (const policy of withDynamo) {
      for (const statement of statementsOf(policy)) {
        if (!asList(statement.Action).some((action) => action.startsWith('dynamodb:'))) continue;
        expect(asList(statement.Action).every((action) => action.startsWith('dynamodb:'))).toBe(true);
        expect(asList(statement.Resource)).toEqual([tableArn, indexArns]);
      }
    }
  });

  it('grants `*` resources only for X-Ray and log delivery, which have no resource-level permissions, and web invalidations', () => {
    // aws-s3-deployment grants its invalidations on `*` (acknowledged in AdminSite).
    const unscopable =
      /^(xray:(PutTelemetryRecords|PutTraceSegments|GetSampling\w+)|logs:(\w+LogDeliver\w+|DescribeLogGroups|\w+ResourcePolicies|PutResourcePolicy)|cloudfront:(Create|Get)Invalidation)$/;
    let wildcards = 0;
    for (const policy of policies()) {
      for (const statement of statementsOf(policy)) {
        if (!asList(statement.Resource).includes('*')) continue;
        wildcards++;
        for (const action of asList(statement.Action)) expect(action).toMatch(unscopable);
      }
    }
    expect(wildcards).toBeGreaterThan(0);
  });

  const journeyArnByName = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':states:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        Match.stringLikeRegexp('^:stateMachine:LeadflowJourney'),
      ],
    ],
  };

  it('lets the journey start only itself (to continue as a new execution)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'states:StartExecution', Resource: journeyArnByName }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('JourneyStateMachineRole') }],
    });
  });

  it('lets intake start journeys, and whoever delivers events resume them, on the journey only', () => {
    // The jobs' own statements are the jobs suite's.
    const startersAndSignallers = policies().flatMap((policy) =>
      statementsOf(policy).filter(
        (statement) =>
          asList(statement.Action).some((a) => a.startsWith('states:')) &&
          !asList(statement.Resource).every((resource) => /FanOutJobs/.test(JSON.stringify(resource))),
      ),
    );
    for (const statement of startersAndSignallers) {
      // The journey itself, or (to tell whether one is running) its executions.
      const on = JSON.stringify(statement.Resource);
      if (asList(statement.Action).includes('states:DescribeExecution')) {
        expect(statement.Action).toBe('states:DescribeExecution');
        expect(on).toMatch(/:execution:LeadflowJourney\w+:\*"/);
      } else {
        expect(on).toMatch(/stateMachine:LeadflowJourney|JourneyStateMachine/);
      }
    }
    const signalling = startersAndSignallers.filter((s) =>
      asList(s.Action).includes('states:SendTaskSuccess'),
    );
    // intake, admin, unsubscribe, mail events, the jobs' batches, and the await task itself.
    expect(signalling).toHaveLength(6);
    // Whoever delivers events restarts a journey an error ended: intake, admin, unsubscribe, mail
    // events, the jobs' batches.
    const starting = startersAndSignallers.filter((s) => asList(s.Action).includes('states:StartExecution'));
    const describing = startersAndSignallers.filter((s) =>
      asList(s.Action).includes('states:DescribeExecution'),
    );
    expect(describing).toHaveLength(5);
    // ...and the journey's own role, to continue as a new execution.
    expect(starting).toHaveLength(6);
  });

  it('lets only the journey step, intake and admin send email, with ses:SendEmail on the identity and configuration set', () => {
    const sends = policies().flatMap((policy) =>
      statementsOf(policy)
        .filter((statement) => asList(statement.Action).some((action) => action.startsWith('ses:')))
        .map((statement) => ({ roles: policy.Properties.Roles, statement })),
    );
    expect(sends).toHaveLength(3);
    const roleNames = sends.flatMap((send) => send.roles as { Ref: string }[]).map((role) => role.Ref);
    expect(roleNames).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^JourneyAdvanceRole/),
        expect.stringMatching(/^IntakeApiHandlerRole|^IntakeApi\w*Role/),
        expect.stringMatching(/^AdminApi\w*Role/),
      ]),
    );
    // Each the same statement: SES v2 SendEmail, raw content included, is ses:SendEmail alone.
    expect(new Set(sends.map((send) => JSON.stringify(send.statement))).size).toBe(1);
    expect(sends[0]?.statement.Action).toBe('ses:SendEmail');
    const [identityId] = Object.keys(template.findResources('AWS::SES::EmailIdentity'));
    const [configurationSetId] = Object.keys(template.findResources('AWS::SES::ConfigurationSet'));
    const sesArn = (resource: string, ref: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ses:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:${resource}/`,
          { Ref: ref },
        ],
      ],
    });
    expect(asList(sends[0]?.statement.Resource)).toEqual(
      expect.arrayContaining([
        sesArn('identity', identityId ?? 'no identity'),
        sesArn('configuration-set', configurationSetId ?? 'no configuration set'),
      ]),
    );
    expect(asList(sends[0]?.statement.Resource)).toHaveLength(2);
  });

  it('lets only the journey step and admin put events, on the contact events bus only', () => {
    const [busId] = Object.keys(template.findResources('AWS::Events::EventBus'));
    const puts = policies().flatMap((policy) =>
      statementsOf(policy)
        .filter((statement) => asList(statement.Action).some((action) => action.startsWith('events:')))
        .map((statement) => ({ roles: policy.Properties.Roles as { Ref: string }[], statement })),
    );
    expect(puts.flatMap((put) => put.roles.map((role) => role.Ref)).sort()).toEqual([
      expect.stringMatching(/^AdminApi\w*Role/),
      expect.stringMatching(/^JourneyAdvanceRole/),
    ]);
    for (const { statement } of puts) {
      expect(statement.Action).toBe('events:PutEvents');
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    }
  });

  it('lets the SNS topic invoke the mail-events function, and SES publish to the topic and use its key', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MailerEventsHandlerFunction'), 'Arn'] },
    });
    const fromSes = Match.objectLike({
      Principal: { Service: 'ses.amazonaws.com' },
      Condition: {
        StringEquals: Match.objectLike({ 'AWS:SourceArn': Match.anyValue() }),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([fromSes]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'ses.amazonaws.com' },
            Condition: { StringEquals: Match.objectLike({ 'aws:SourceArn': Match.anyValue() }) },
          }),
        ]),
      },
    });
  });
});

describe('journey', () => {
  it('is a Standard state machine, traced, logging to a vended-logs group without execution data', () => {
    // The journey's, and the fan-out jobs'.
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    const logGroups = template.findResources('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/') },
    });
    const [logGroupId] = Object.keys(logGroups).filter((id) => id.startsWith('JourneyLogs'));
    expect(Object.keys(logGroups)).toHaveLength(2);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: Match.stringLikeRegexp('^LeadflowJourney'),
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
  });

  it('raises an alarm when a journey fails or reaches the execution time limit', () => {
    const [machineId] = Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).filter((id) =>
      id.startsWith('Journey'),
    );
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/States',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('raises an alarm when a journey stalls, counted from the await function’s log', () => {
    const [awaitLogs] = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) =>
      id.startsWith('JourneyAwaitLogs'),
    );
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: awaitLogs },
      FilterPattern: '{ $.message = "Journey stalled" }',
      MetricTransformations: [
        Match.objectLike({ MetricNamespace: 'Leadflow', MetricName: 'JourneysStalled', MetricValue: '1' }),
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'JourneysStalled',
      Namespace: 'Leadflow',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('raises an alarm when an SES event lands in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MailerEventsDeadLetters'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MailerEventsDeadLetters'), 'QueueName'] },
        },
      ],
      Threshold: 1,
    });
  });

  it('sends through a configuration set that publishes bounces, complaints, deliveries, opens and clicks', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['bounce', 'complaint', 'delivery', 'open', 'click']),
      },
    });
  });
});

describe('fan-out jobs', () => {
  const machines = () =>
    Object.entries(template.findResources('AWS::StepFunctions::StateMachine') as Resources).filter(([id]) =>
      id.startsWith('FanOutJobs'),
    );

  it('page through the audience in a Distributed Map of Express children, at most 10 batches at once', () => {
    const [[, machine] = []] = machines();
    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      StateMachineName: expect.stringMatching(/^LeadflowFanOutJobs/),
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    for (const part of [
      '\\"Mode\\":\\"DISTRIBUTED\\"',
      '\\"ExecutionType\\":\\"EXPRESS\\"',
      '\\"MaxConcurrency\\":10',
      '\\"ItemsPath\\":\\"$.page.batches\\"',
    ]) {
      expect(definition).toContain(part);
    }
  });

  it('are started by the admin function only, which may read their executions’ status', () => {
    const [[machineId] = []] = machines();
    const starters = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((policy) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some(
        (statement) =>
          asList(statement.Action).includes('states:StartExecution') &&
          asList(statement.Resource).some(
            (resource) => JSON.stringify(resource) === JSON.stringify({ Ref: machineId }),
          ),
      ),
    );
    expect(
      starters
        .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref))
        .sort(),
    ).toEqual([
      expect.stringMatching(/^AdminApiHandlerRole/),
      // The Distributed Map starts its children on its own state machine.
      expect.stringMatching(/^FanOutJobsStateMachineRole/),
    ]);
    const variables = leadflowFunctions(template)
      .map((fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables)
      .find((env) => env.POWERTOOLS_SERVICE_NAME === 'admin');
    expect(variables?.JOBS_STATE_MACHINE_ARN).toEqual({ Ref: machineId });
  });

  it('raise an alarm when a job fails past its retries', () => {
    const [[machineId] = []] = machines();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
      Threshold: 1,
    });
  });
});

describe('contact events', () => {
  it('is one custom bus named from the stack, archiving Leadflow’s events', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: Match.stringLikeRegexp('^LeadflowContactEvents'),
    });
    const [busId] = Object.keys(template.findResources('AWS::Events::EventBus'));
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: ['leadflow.contact'] },
      RetentionDays: 30,
    });
  });

  it('names the bus to the functions that put on it, and the sales inbox and contacts URL to the journey step', () => {
    const [busId] = Object.keys(template.findResources('AWS::Events::EventBus'));
    for (const service of ['journey', 'admin']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service, EVENT_BUS_NAME: { Ref: busId } }),
        },
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'journey',
          SALES_INBOX: 'sales@example.com',
          ADMIN_PAGE_URL: Match.anyValue(),
        }),
      },
    });
  });
});

describe('HTTP API', () => {
  it('is one API with one auto-deployed default stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
  });

  it('serves the routes of apiRoutes: public without auth, admin behind the Cognito JWT authorizer', () => {
    const deployed = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Resources).map(
      (route) => [route.Properties.RouteKey, route.Properties.AuthorizationType],
    );
    const expected = apiRoutes.map((route) => [routeKey(route), route.auth === 'admin' ? 'JWT' : 'NONE']);

    expect(deployed).toHaveLength(expected.length);
    expect(deployed).toEqual(expect.arrayContaining(expected));
  });

  it('lets API Gateway invoke the function of each route', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission') as Resources);
    const fromApi = permissions.filter(
      (permission) => permission.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(fromApi).toHaveLength(apiRoutes.length);
    // The other one lets the SES event topic invoke the mail-events function.
    expect(permissions.filter((p) => p.Properties.Principal === 'sns.amazonaws.com')).toHaveLength(1);
  });

  it('answers CORS preflights for the configured origins and the admin site', () => {
    const [distributionId] = Object.keys(template.findResources('AWS::CloudFront::Distribution'));
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [
          ...origins,
          { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] },
        ],
        AllowMethods: Match.arrayEquals(['POST', 'GET', 'PUT', 'DELETE', 'OPTIONS']),
        AllowHeaders: Match.arrayEquals(['content-type', 'authorization', 'if-match', 'prefer']),
        ExposeHeaders: Match.arrayEquals(['etag', 'retry-after']),
        MaxAge: Match.anyValue(),
      },
    });
  });

  it('throttles the stage and writes JSON access logs to a log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
        Format: Match.anyValue(),
      },
    });
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage') as Resources);
    const formats = stages.map((stage) => (stage.Properties.AccessLogSettings as { Format: string }).Format);
    expect(formats.map((format) => JSON.parse(format))).toEqual([
      expect.objectContaining({ requestId: '$context.requestId', status: '$context.status' }),
    ]);
  });

  it('outputs the API URL', () => {
    template.hasOutput('ApiUrl', {});
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged', () => {
    // The synthesis above already failed on any finding; re-run the pack to show them by name.
    const report = nag.validateScope(app);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('acknowledges only the expected rules, each with a reason', () => {
    const acknowledged = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([id, reason]) => ({ at: construct.node.path, id: id.replace(/^annotation::/i, ''), reason })),
    );

    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(30);
    const functionRoles = [
      'AdminApi/Handler',
      'AdminApi/Templates',
      'IntakeApi/Handler',
      'Journey/Advance',
      'Journey/Await',
      'Mailer/EventsHandler',
      'Mailer/UnsubscribeHandler',
      'FanOutJobs/Pages',
      'FanOutJobs/Batch',
    ].flatMap((fn) => [
      `Leadflow/${fn}/Role AwsSolutions-IAM5[Resource::*]`,
      `Leadflow/${fn}/Role AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
    ]);
    const functionIds = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
      id.startsWith('Journey'),
    );
    const jobFunctionIds = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
      id.startsWith('FanOutJobs'),
    );
    const deliverers = [
      'AdminApi/Handler',
      'IntakeApi/Handler',
      'Mailer/EventsHandler',
      'Mailer/UnsubscribeHandler',
      'FanOutJobs/Batch',
    ];
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const machineName = String(
      machines[Object.keys(machines).find((id) => id.startsWith('Journey')) ?? '']?.Properties
        .StateMachineName,
    );
    const jobsMachineId = Object.keys(machines).find((id) => id.startsWith('FanOutJobs')) ?? '';
    const jobsMachineName = String(machines[jobsMachineId]?.Properties.StateMachineName);
    const jobExecutions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${jobsMachineId}"}]}]}`;
    const executionReaders = deliverers.map(
      (fn) =>
        `Leadflow/${fn}/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${machineName}:*]`,
    );
    const publicRoutes = apiRoutes
      .filter((route) => route.auth === 'public')
      .map(
        (route) =>
          `Leadflow/IntakeApi/HttpApi/${route.method}${route.path.replaceAll('/', '--')} AwsSolutions-APIG4`,
      );
    // aws-s3-deployment's handler: one per stack, named after the construct's fixed UUID.
    const deploymentHandler = 'Leadflow/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C';
    const [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket'));
    const deploymentFindings = [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ...['GetBucket*', 'GetObject*', 'List*', 'Abort*', 'DeleteObject*'].map(
        (action) => `AwsSolutions-IAM5[Action::s3:${action}]`,
      ),
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
    ].map((id) => `${deploymentHandler} ${id}`);
    expect(acknowledged.map(({ at, id }) => `${at} ${id}`).sort()).toEqual(
      [
        ...functionRoles,
        ...deploymentFindings,
        'Leadflow/AdminSignIn/UserPool AwsSolutions-COG2',
        'Leadflow/AdminSite/Bucket AwsSolutions-S1',
        ...['CFR1', 'CFR2', 'CFR3', 'CFR4'].map(
          (rule) => `Leadflow/AdminSite/Distribution AwsSolutions-${rule}`,
        ),
        ...executionReaders,
        `Leadflow/AdminApi/Handler/Role AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${jobsMachineName}:*]`,
        ...publicRoutes,
        'Leadflow/FanOutJobs/StateMachine/Role AwsSolutions-IAM5[Resource::*]',
        ...jobFunctionIds.map(
          (id) => `Leadflow/FanOutJobs/StateMachine/Role AwsSolutions-IAM5[Resource::<${id}.Arn>:*]`,
        ),
        ...[`${jobExecutions}:*`, `${jobExecutions}/WakePage:*`].map(
          (resource) => `Leadflow/FanOutJobs/StateMachine AwsSolutions-IAM5[Resource::${resource}]`,
        ),
        'Leadflow/Journey/StateMachine/Role AwsSolutions-IAM5[Resource::*]',
        ...functionIds.map(
          (id) => `Leadflow/Journey/StateMachine/Role AwsSolutions-IAM5[Resource::<${id}.Arn>:*]`,
        ),
      ].sort(),
    );
  });
});

describe('deployment settings from context', () => {
  /** A synthesis without bundling (the handlers' code is not what these tests look at). */
  const synth = (context: Record<string, unknown>) => {
    const settingsApp = new App({
      context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context },
    });
    return Template.fromStack(new LeadflowStack(settingsApp, 'Leadflow'));
  };
  const advanceVariables = (settings: Template) => {
    const [variables] = Object.entries(settings.findResources('AWS::Lambda::Function') as Resources)
      .filter(([id]) => id.startsWith('JourneyAdvanceFunction'))
      .map(([, fn]) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
    return variables;
  };
  const intakeVariables = (settings: Template) =>
    Object.values(settings.findResources('AWS::Lambda::Function') as Resources)
      .map((fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables)
      .find((variables) => variables.POWERTOOLS_SERVICE_NAME === 'intake');
  const sendResources = (settings: Template) =>
    Object.values(settings.findResources('AWS::IAM::Policy') as Resources)
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((statement) => asList(statement.Action).includes('ses:SendEmail'))
      .flatMap((statement) => asList(statement.Resource));

  it('reach the journey step, and a domain identity gets its DKIM records as outputs', () => {
    const settings = synth({
      'leadflow:senderAddress': 'Acme Marketing <hello@acme.example>',
      'leadflow:postalAddress': 'Acme Ltd., 1 Harbour Road, Bristol BS1 5TT, UK',
      'leadflow:siteUrl': 'https://www.acme.example',
      'leadflow:sesIdentity': 'acme.example',
    });
    expect(advanceVariables(settings)).toMatchObject({
      SENDER_ADDRESS: 'Acme Marketing <hello@acme.example>',
      POSTAL_ADDRESS: 'Acme Ltd., 1 Harbour Road, Bristol BS1 5TT, UK',
      SITE_URL: 'https://www.acme.example',
    });
    settings.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'acme.example' });
    expect(Object.keys(settings.findOutputs('*')).filter((name) => name.includes('DkimRecord'))).toHaveLength(
      3,
    );
    // The domain identity, the sender's own address under it, and the configuration set: nothing
    // else, for each of the three senders.
    const resources = JSON.stringify(sendResources(settings));
    expect(new Set(sendResources(settings).map((resource) => JSON.stringify(resource))).size).toBe(3);
    expect(resources).toContain(':identity/hello@acme.example');
    expect(resources).not.toContain('"*"');
  });

  it('use an existing SES identity without creating it', () => {
    const settings = synth({
      'leadflow:senderAddress': 'hello@acme.example',
      'leadflow:sesIdentity': 'acme.example',
      'leadflow:existingSesIdentity': 'true',
    });
    settings.resourceCountIs('AWS::SES::EmailIdentity', 0);
    settings.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    const resources = JSON.stringify(sendResources(settings));
    expect(resources).toContain(':identity/acme.example');
    expect(resources).toContain(':identity/hello@acme.example');
    expect(resources).toContain(':configuration-set/');
  });

  it('default when none are given, so `cdk synth` needs no settings', () => {
    const settings = synth({ 'leadflow:senderAddress': undefined, 'leadflow:postalAddress': undefined });
    expect(advanceVariables(settings)).toMatchObject({
      SENDER_ADDRESS: 'Leadflow <hello@example.com>',
      POSTAL_ADDRESS: expect.stringMatching(/\S/),
    });
    settings.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'hello@example.com' });
  });

  it('give intake its per-client limit: 10 a minute by default, the context’s when given, 0 for none', () => {
    expect(intakeVariables(synth({}))).toMatchObject({ INTAKE_RATE_PER_MINUTE: '10' });
    expect(intakeVariables(synth({ 'leadflow:intakeRatePerMinute': '30' }))).toMatchObject({
      INTAKE_RATE_PER_MINUTE: '30',
    });
    expect(intakeVariables(synth({ 'leadflow:intakeRatePerMinute': 0 }))).toMatchObject({
      INTAKE_RATE_PER_MINUTE: '0',
    });
    expect(() => synth({ 'leadflow:intakeRatePerMinute': 'ten' })).toThrow(/whole number/);
  });

  it('refuse a sender SES could not send from, at synth rather than at the first send', () => {
    expect(() => synth({ 'leadflow:senderAddress': 'Leadflow Marketing' })).toThrow(/sender address/);
    expect(() => synth({ 'leadflow:existingSesIdentity': 'yes' })).toThrow(/true or false/);
    // SES would refuse every send from an address the identity does not cover.
    expect(() => synth({ 'leadflow:sesIdentity': 'acme.example' })).toThrow(/does not cover/);
    expect(() => synth({ 'leadflow:sesIdentity': 'news@example.com' })).toThrow(/does not cover/);
  });
});
