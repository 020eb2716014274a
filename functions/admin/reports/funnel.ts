import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../../adapters/clock.js';
import { moveCounts, stageCounts } from '../../adapters/funnel-counters.js';
import { funnelReport } from '../../domain/funnel-report.js';
import { funnelStages, sideStates } from '../../domain/stages.js';
import type { FieldIssue } from '../../domain/validation.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';

const day = 86_400_000;
const maxPeriodDays = 366;
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `GET /v1/reports/funnel?from=YYYY-MM-DD&to=YYYY-MM-DD` (default: the last 30 days): contacts
 * per stage now, and the conversions of the period, from counters kept with every stage move.
 */
export const funnelReportRoute =
  (tableName: string) =>
  async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const today = clock.now().toISOString().slice(0, 10);
    const query = event.queryStringParameters ?? {};
    const to = query.to ?? today;
    const from = query.from ?? new Date(Date.parse(to) - 29 * day).toISOString().slice(0, 10);
    const issues: FieldIssue[] = [];
    for (const [path, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!isoDate.test(value) || Number.isNaN(Date.parse(value))) {
        issues.push({ path, message: 'must be a date such as 2026-11-01' });
      }
    }
    const days = issues.length === 0 ? Math.round((Date.parse(to) - Date.parse(from)) / day) + 1 : 0;
    if (issues.length === 0 && days < 1) issues.push({ path: 'to', message: 'must not be before from' });
    if (days > maxPeriodDays)
      issues.push({ path: 'from', message: `the period may span at most ${maxPeriodDays} days` });
    if (issues.length > 0) return errorResponse(400, 'validation_failed', 'The period is invalid', issues);

    const dayList = Array.from({ length: days }, (_, i) =>
      new Date(Date.parse(from) + i * day).toISOString().slice(0, 10),
    );
    const [stages, moves] = await Promise.all([stageCounts(tableName), moveCounts(tableName, dayList)]);
    return json(200, funnelReport(stages, moves, { from, to }, [...funnelStages, ...sideStates]));
  };
