import { Logger } from '@aws-lambda-powertools/logger';
import { withoutAddresses } from '../domain/email-address.js';

/** Structured JSON logs; addresses are masked by the callers (see maskEmail) before they get here. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'leadflow' });

/**
 * An error as it may be logged: its name, HTTP status and message with addresses masked (SES's
 * sandbox errors name the recipient), without the stack, which repeats the message.
 */
export const loggableError = (error: unknown) => {
  if (!(error instanceof Error)) return { message: withoutAddresses(String(error)) };
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return { name: error.name, message: withoutAddresses(error.message), ...(status ? { status } : {}) };
};
