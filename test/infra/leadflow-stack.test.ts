import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, type RouteTarget, routeKey } from '../../lib/api-routes.js';
import { LeadflowStack } from '../../lib/leadflow-stack.js';
import { tableDesign } from '../../lib/table-design.js';

/** Targets whose functions are not in the stack yet: their routes must be absent, not half-wired. */
const pendingTargets: ReadonlySet<RouteTarget> = new Set(['unsubscribe']);
const origins = ['https://www.example.com', 'https://go.example.com'];

type Resources = Record<string, { Properties: Record<string, unknown> }>;
type Statement = { Action: string | string[]; Resource: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

let template: Template;
let stack: LeadflowStack;
let app: App;
let nag: AwsSolutionsChecks;
let tableLogicalId: string;

beforeAll(() => {
  // Prepare: the same feature flags `cdk synth` uses, and cdk-nag, whose findings fail the synthesis.
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  app = new App({ context: { ...context, 'leadflow:allowedOrigins': origins } });
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
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const functions = Object.values(template.findResources('AWS::Lambda::Function') as Resources);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: 10,
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
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

  it('roles carry no AWS managed policy', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role') as Resources);
    expect(roles).toHaveLength(2);
    for (const role of roles) expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  it('intake and admin may use DynamoDB on the table and its indexes only', () => {
    const tableArn = { 'Fn::GetAtt': [tableLogicalId, 'Arn'] };
    const indexArns = { 'Fn::Join': ['', [tableArn, '/index/*']] };
    const withDynamo = policies().filter((policy) =>
      statementsOf(policy).some((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:'))),
    );
    expect(withDynamo).toHaveLength(2);
    for (const policy of withDynamo) {
      for (const statement of statementsOf(policy)) {
        if (!asList(statement.Action).some((action) => action.startsWith('dynamodb:'))) continue;
        expect(asList(statement.Action).every((action) => action.startsWith('dynamodb:'))).toBe(true);
        expect(asList(statement.Resource)).toEqual([tableArn, indexArns]);
      }
    }
  });

  it('grants `*` resources only for X-Ray, which has no resource-level permissions', () => {
    for (const policy of policies()) {
      for (const statement of statementsOf(policy)) {
        if (!asList(statement.Resource).includes('*')) continue;
        expect(asList(statement.Action).sort()).toEqual([
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ]);
      }
    }
  });
});

describe('HTTP API', () => {
  it('is one API with one auto-deployed default stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
  });

  it('serves the routes of apiRoutes: public without auth, admin behind IAM', () => {
    const deployed = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Resources).map(
      (route) => [route.Properties.RouteKey, route.Properties.AuthorizationType],
    );
    const expected = apiRoutes
      .filter((route) => !pendingTargets.has(route.target))
      .map((route) => [routeKey(route), route.auth === 'admin' ? 'AWS_IAM' : 'NONE']);

    expect(deployed).toHaveLength(expected.length);
    expect(deployed).toEqual(expect.arrayContaining(expected));
  });

  it('lets API Gateway invoke the function of each route', () => {
    const routes = apiRoutes.filter((route) => !pendingTargets.has(route.target));
    template.resourceCountIs('AWS::Lambda::Permission', routes.length);
    template.allResourcesProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('answers CORS preflights for the configured origins', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: origins,
        AllowMethods: Match.arrayEquals(['POST', 'GET', 'OPTIONS']),
        AllowHeaders: Match.arrayEquals(['content-type', 'authorization']),
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
    expect(acknowledged.map(({ at, id }) => `${at} ${id}`).sort()).toEqual(
      [
        'Leadflow/AdminApi/Handler/Role AwsSolutions-IAM5[Resource::*]',
        `Leadflow/AdminApi/Handler/Role AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        'Leadflow/IntakeApi/Handler/Role AwsSolutions-IAM5[Resource::*]',
        `Leadflow/IntakeApi/Handler/Role AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        'Leadflow/IntakeApi/HttpApi/POST--v1--contacts AwsSolutions-APIG4',
      ].sort(),
    );
  });
});
