import type { JSONValue } from 'aws-local-stepfunctions';
import { SfnError } from './model.js';

/** A Lambda handler invoked with its event. */
export type LocalLambda = (payload: unknown) => Promise<unknown>;

/** What a Task state's `Resource` does locally, and how its history events are named. */
export interface Integration {
  /** Service integrations log `Task*` events; a function ARN as `Resource` logs `LambdaFunction*` events. */
  events: 'Task' | 'LambdaFunction';
  /** `lambda` or `states`, as `Task*` events name the service. */
  resourceType: string;
  /** `invoke`, `invoke.waitForTaskToken`, `startExecution`, or the function ARN. */
  resource: string;
  /** `.waitForTaskToken`: the task ends on SendTaskSuccess/Failure or its timeout, not when `invoke` returns. */
  callback: boolean;
  invoke(parameters: JSONValue): Promise<JSONValue>;
}

export interface IntegrationTargets {
  lambdas: Record<string, LocalLambda>;
  startExecution(request: { stateMachineArn: string; name?: string; input: string }): {
    executionArn: string;
    startDate: number;
  };
}

/** A task failure as the engine matches it in `Retry` and `Catch`: `name` is the error, `message` the cause. */
export const taskError = (error: string, cause: string): Error =>
  Object.assign(new Error(cause), { name: error });

/** Throws for a resource the local runtime cannot run, so a definition fails when the endpoint starts. */
export const integrationFor = (resource: string, targets: IntegrationTargets): Integration => {
  const service = /^arn:[\w-]+:states:::(.+)$/.exec(resource)?.[1];
  if (service === 'lambda:invoke' || service === 'lambda:invoke.waitForTaskToken') {
    return {
      events: 'Task',
      resourceType: 'lambda',
      resource: service.slice('lambda:'.length),
      callback: service.endsWith('.waitForTaskToken'),
      invoke: async (parameters) => {
        const { FunctionName, Payload } = asObject(parameters);
        // The shape of Lambda's Invoke response, which is what the real integration returns.
        return {
          ExecutedVersion: '$LATEST',
          Payload: await invokeLambda(targets.lambdas, FunctionName, Payload ?? {}),
          StatusCode: 200,
        };
      },
    };
  }
  if (service === 'states:startExecution') {
    return {
      events: 'Task',
      resourceType: 'states',
      resource: 'startExecution',
      callback: false,
      invoke: async (parameters) => {
        const { StateMachineArn, Name, Input } = asObject(parameters);
        if (typeof StateMachineArn !== 'string') {
          throw taskError('States.Runtime', 'Parameters.StateMachineArn must be a string');
        }
        try {
          const started = targets.startExecution({
            stateMachineArn: StateMachineArn,
            ...(typeof Name === 'string' ? { name: Name } : {}),
            input: typeof Input === 'string' ? Input : JSON.stringify(Input ?? {}),
          });
          return { ExecutionArn: started.executionArn, StartDate: started.startDate };
        } catch (error) {
          if (error instanceof SfnError)
            throw taskError(`StepFunctions.${error.code}Exception`, error.message);
          throw error;
        }
      },
    };
  }
  if (/^arn:[\w-]+:lambda:[^:]*:\d*:function:/.test(resource)) {
    return {
      events: 'LambdaFunction',
      resourceType: 'lambda',
      resource,
      callback: false,
      invoke: (parameters) => invokeLambda(targets.lambdas, resource, parameters),
    };
  }
  throw new Error(`The local Step Functions endpoint cannot run a Task with Resource ${resource}`);
};

const asObject = (value: JSONValue): Record<string, JSONValue | undefined> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};

const invokeLambda = async (
  lambdas: Record<string, LocalLambda>,
  functionName: JSONValue | undefined,
  payload: JSONValue,
): Promise<JSONValue> => {
  const lambda = typeof functionName === 'string' ? lambdas[functionName] : undefined;
  if (!lambda)
    throw taskError('Lambda.ResourceNotFoundException', `Function not found: ${String(functionName)}`);
  let result: unknown;
  try {
    // A copy, as a real invocation serialises the event: the handler cannot change the engine's data.
    result = await lambda(structuredClone(payload));
  } catch (thrown) {
    // Step Functions names a Lambda failure after the error's type and gives Lambda's error JSON as the cause.
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    throw taskError(
      error.name,
      JSON.stringify({
        errorType: error.name,
        errorMessage: error.message,
        trace: error.stack?.split('\n') ?? [],
      }),
    );
  }
  return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JSONValue);
};
