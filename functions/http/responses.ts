import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FieldIssue } from '../domain/validation.js';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** The contract's error shape: `{"error":{"code","message","issues":[{"path","message"}]}}`. */
export const errorResponse = (
  statusCode: number,
  code: string,
  message: string,
  issues: FieldIssue[] = [],
  headers: Record<string, string> = {},
): HttpResult => json(statusCode, { error: { code, message, issues } }, headers);
