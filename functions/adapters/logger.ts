import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; addresses are masked by the callers (see maskEmail) before they get here. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'leadflow' });
