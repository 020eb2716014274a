import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { creationMonths, sourceCounts } from '../../adapters/source-counters.js';
import { sourceReport } from '../../domain/source-report.js';
import type { FieldIssue } from '../../domain/validation.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';

const isoMonth = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * `GET /v1/reports/sources?from=YYYY-MM&to=YYYY-MM` (default: all time): per first-touch channel,
 * utm_source, utm_campaign, form and offer, the contacts created in those months and how many of
 * them ever reached lead, sales lead, opportunity and customer, from counters kept with every
 * creation and stage move.
 */
export const sourceReportRoute =
  (tableName: string) =>
  async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const { from, to } = event.queryStringParameters ?? {};
    const issues: FieldIssue[] = [];
    for (const [path, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== undefined && !isoMonth.test(value)) {
        issues.push({
          path,
          message: 'must be a month such as 2026-11 (contacts count by the month they came)',
        });
      }
    }
    if (issues.length === 0 && from && to && to < from)
      issues.push({ path: 'to', message: 'must not be before from' });
    if (issues.length > 0) return errorResponse(400, 'validation_failed', 'The period is invalid', issues);

    const counts = await sourceCounts(tableName, await creationMonths(tableName, from, to));
    return json(200, sourceReport(counts, { from: from ?? null, to: to ?? null }));
  };
