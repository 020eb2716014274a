/** The shapes the local Step Functions endpoint keeps, in the service's own vocabulary. */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One history event as `GetExecutionHistory` returns it, but with `timestamp` in epoch ms. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  /** `<type>EventDetails`, e.g. `taskScheduledEventDetails`. */
  [details: string]: unknown;
}

/** What is saved of an execution: enough to describe it, list it, replay its history and resume it. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch ms, virtual time. */
  startDate: number;
  stopDate?: number;
  /** How many times a restart of the runtime resumed it. */
  redriveCount: number;
  redriveDate?: number;
  history: HistoryEvent[];
}

/** A Step Functions API error: the SDK maps `code` to its typed exception (`ExecutionAlreadyExists`, ...). */
export class SfnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}
