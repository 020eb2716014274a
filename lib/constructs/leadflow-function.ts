import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const absolute = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const mjmlLeftOut = absolute('functions/domain/mjml-left-out.ts');

/**
 * Modules every bundle takes in place of others (esbuild `--alias`); the bench's SDK-only baseline
 * is bundled with the same, so its init ratio compares like with like.
 */
export const bundleAliases: Readonly<Record<string, string>> = {
  // MJML (the templates function) and its CSS inliner load cheerio only with XML options, which
  // cheerio parses with htmlparser2 either way; its full entry adds parse5, undici (fetching a URL)
  // and iconv-lite (sniffing encodings): 1.7 MB no call of theirs reaches. One ESM copy for both:
  // juice's own cheerio 1.0 (it asks for ^1.0.0) and mjml-core's require() of 1.2 would otherwise
  // bundle two cheerios, each with its own htmlparser2.
  cheerio: absolute('node_modules/cheerio/dist/esm/slim.js'),
  // The environment-only credential provider Lambda's role credentials come by, not the whole chain.
  '@aws-sdk/credential-provider-node': absolute('functions/adapters/lambda-credentials.ts'),
  // The templates function's MJML: its minifier, beautifier and resource fetcher, never called.
  htmlnano: mjmlLeftOut,
  'cssnano-preset-lite': mjmlLeftOut,
  'js-beautify': mjmlLeftOut,
  'web-resource-inliner': mjmlLeftOut,
};

/** How much of a table a function may touch. */
export type TableAccess = 'read' | 'readWrite';

export interface LeadflowFunctionProps {
  /** Absolute path of the handler's TypeScript entry file. */
  readonly entry: string;
  /**
   * Name of the exported handler.
   * @default 'handler'
   */
  readonly handler?: string;
  /** Value of `POWERTOOLS_SERVICE_NAME`: names the function in its logs and traces. */
  readonly serviceName: string;
  /**
   * What the function does, shown in the console.
   * @default - no description
   */
  readonly description?: string;
  /**
   * Extra environment variables, merged over the defaults (`POWERTOOLS_SERVICE_NAME`, `NODE_OPTIONS`).
   * @default - only the defaults
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * How long the function's log events are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Where asynchronous invocations that still fail after Lambda's retries are kept.
   * @default - none
   */
  readonly deadLetterQueue?: IQueue;
}

/**
 * The one way Leadflow builds a Lambda function: newest Node.js runtime on arm64, active tracing,
 * a log group of its own with retention, bundled by the local esbuild as minified ESM with source
 * maps. Its role carries no AWS managed policy: it may write to its own log group, and everything
 * else comes from explicit grants (`bindTable`, `grant*(handler.function)`).
 *
 * Later constructs (journey, mailer) use it the same way: create it, `bindTable`, then
 * `function.addEnvironment(...)` and the grants of what they wire it to.
 */
export class LeadflowFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LeadflowFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // Events age out with the retention anyway; a torn-down stage should not leave empty groups behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one, which would attach AWSLambdaBasicExecutionRole
    // (logs:CreateLogGroup and writes to every log group in the account).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.serviceName} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        // The bundle is minified: without this, stack traces point into it instead of the sources.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        // Dependencies that still call require() need it in an ESM bundle.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Line mapping is enough for stack traces; embedding the sources would double the bundle.
        sourcesContent: false,
        // Ship the SDK versions the tests ran against rather than whatever the runtime carries today.
        bundleAwsSDK: true,
        esbuildArgs: Object.fromEntries(
          Object.entries(bundleAliases).map(([name, path]) => [`--alias:${name}`, path]),
        ),
      },
    });

    // Tracing.ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords on `*` to the role's policy.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });
  }

  /**
   * Gives the function a table: sets `envName` to its name and grants `access` to it and its indexes.
   * @param envName the variable the handler reads the table name from; default `TABLE_NAME`
   */
  public bindTable(table: ITable, access: TableAccess, envName = 'TABLE_NAME'): void {
    this.function.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this.function);
    else table.grantReadWriteData(this.function);

    // The grant covers `<table>/index/*` so queries can use any GSI; name that finding exactly so
    // no other wildcard on this role is acknowledged with it.
    const cfnTable = table.node.defaultChild;
    if (cfnTable instanceof CfnTable) {
      const stack = cfnTable.stack;
      const logicalId: unknown = stack.resolve(stack.getLogicalId(cfnTable));
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${String(logicalId)}.Arn>/index/*]`,
        reason:
          'Queries use the table’s global secondary indexes; the grant is scoped to this table’s indexes.',
      });
    }
  }
}

/** Absolute path of a handler under `functions/`, e.g. `handlerEntry('intake/handler.ts')`. */
export const handlerEntry = (path: string): string =>
  fileURLToPath(new URL(`../../functions/${path}`, import.meta.url));
