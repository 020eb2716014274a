import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type CfnStateMachine,
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildFanOutJob } from '../workflows/fan-out-job.js';
import type { Journey } from './journey.js';
import { handlerEntry, LeadflowFunction } from './leadflow-function.js';
import { acknowledgeStateMachineRole } from './state-machine-findings.js';

export interface FanOutJobsProps {
  /** Jobs, their markers, and the contacts they list. */
  readonly table: ITable;
  /** The journeys a job wakes. */
  readonly journey: Journey;
}

/**
 * Work over every contact of an audience, off the request path: a Standard state machine (built by
 * `buildFanOutJob`) that pages through the audience and wakes each page in a Distributed Map of
 * Express children, paced under the quotas (`fanOutPacing`), with its two functions. Whatever
 * starts a job (a publish) gets `grantStart`.
 */
export class FanOutJobs extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly pages: LeadflowFunction;
  public readonly batch: LeadflowFunction;
  public readonly logGroup: LogGroup;
  /** A job failed past its retries: it stands at its checkpoint until redriven. */
  public readonly failedAlarm: Alarm;
  private readonly executionsArn: string;
  private readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: FanOutJobsProps) {
    super(scope, id);

    this.pages = new LeadflowFunction(this, 'Pages', {
      entry: handlerEntry('jobs/pages-handler.ts'),
      serviceName: 'jobs',
      description: 'A fan-out job’s checkpoint, and its next page of contacts in batches',
      timeout: Duration.seconds(30),
    });
    this.pages.bindTable(props.table, 'readWrite');
    this.batch = new LeadflowFunction(this, 'Batch', {
      entry: handlerEntry('jobs/batch-handler.ts'),
      serviceName: 'jobs',
      description: 'Wakes a batch of contacts, each once per job, paced to its share of the job’s rate',
      // 100 contacts at 10 a second, with room for retried calls.
      timeout: Duration.seconds(30),
      memorySize: 256,
    });
    this.batch.bindTable(props.table, 'readWrite');
    props.journey.grantDeliver(this.batch.function);

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A generated name: the Distributed Map starts its children on the machine's own ARN.
    this.stateMachineName = Names.uniqueResourceName(this, { maxLength: 80 });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        buildFanOutJob(this, { pages: this.pages.function, batch: this.batch.function }),
      ),
      tracingEnabled: true,
      // As the journey's: every state's events, without the data (contact ids).
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.executionsArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const stack = Stack.of(this);
    acknowledgeStateMachineRole(this.stateMachine, [this.pages, this.batch]);

    // CDK's grants for the Distributed Map: starting, describing and stopping its own child
    // executions (their names are the map run's) on this state machine only.
    const machineId = String(
      stack.resolve(stack.getLogicalId(this.stateMachine.node.defaultChild as CfnStateMachine)),
    );
    const executionsOfThis = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}`;
    for (const resource of [`${executionsOfThis}:*`, `${executionsOfThis}/WakePage:*`]) {
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          'A Distributed Map runs its batches as child executions named by the map run: the wildcard is this state machine’s executions only.',
      });
    }

    this.failedAlarm = new Alarm(this, 'ExecutionsFailed', {
      alarmDescription:
        'A fan-out job (a publish waking contacts) failed past its retries: redrive its execution to resume it',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * Lets `fn` start jobs and read their executions' status (a failed one shows as failed), and
   * tells it which state machine through `JOBS_STATE_MACHINE_ARN`.
   */
  public grantStart(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment('JOBS_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [this.executionsArn] }),
    );
    if (!fn.role) throw new Error('A function starting jobs needs its own role');
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stateMachineName}:*]`,
      reason: 'Executions are named per job: the wildcard is this state machine’s executions only.',
    });
  }
}
