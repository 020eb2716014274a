import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';

/** One client per module load; the endpoint comes from AWS_ENDPOINT_URL_SFN when set (locally). */
const client = new SFNClient({});

/**
 * Starts an execution under a name derived from the contact, so a retried start finds the
 * execution already there instead of making a second journey. Returns false in that case.
 */
export const startExecutionOnce = async (stateMachineArn: string, name: string, input: unknown) => {
  try {
    await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return true;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return false;
    throw error;
  }
};

/**
 * Resumes a waiting callback task. A token that already timed out or was used is not an error
 * here: whatever the wake-up was for is stored on the contact and read at the next step anyway.
 */
export const wakeTask = async (taskToken: string, output: unknown): Promise<boolean> => {
  try {
    await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return true;
  } catch (error) {
    if (error instanceof TaskTimedOut || error instanceof InvalidToken || error instanceof TaskDoesNotExist) {
      return false;
    }
    throw error;
  }
};

/** An execution's status by its name, or `MISSING` when it was never started. */
export const executionStatus = async (stateMachineArn: string, name: string): Promise<string> => {
  // arn:aws:states:<region>:<account>:stateMachine:<machine> → …:execution:<machine>:<name>
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  try {
    const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
    return status ?? 'UNKNOWN';
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return 'MISSING';
    throw error;
  }
};
