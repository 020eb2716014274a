import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { LeadflowFunction } from './leadflow-function.js';

/**
 * The cdk-nag findings CDK's own grants raise on a state machine's role, acknowledged with why:
 * invoking each of its Lambda tasks, and tracing and log delivery.
 */
export const acknowledgeStateMachineRole = (
  stateMachine: StateMachine,
  tasks: readonly LeadflowFunction[],
): void => {
  const stack = Stack.of(stateMachine);
  for (const fn of tasks) {
    const logicalId = String(stack.resolve(stack.getLogicalId(fn.function.node.defaultChild as CfnFunction)));
    Validations.of(stateMachine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: 'Invoking a Lambda task covers the function’s versions and aliases; it is this one function.',
    });
  }
  Validations.of(stateMachine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and related) support no resource-level permissions.',
  });
};
