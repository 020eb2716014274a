import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AdminApi } from './constructs/admin-api.js';
import { ContactStore } from './constructs/contact-store.js';
import { IntakeApi, type RouteTargets } from './constructs/intake-api.js';

/** Context keys the stack reads; documented in bin/leadflow.ts. */
export const contextKeys = {
  allowedOrigins: 'leadflow:allowedOrigins',
} as const;

export interface LeadflowStackProps extends StackProps {
  /**
   * Origins allowed to call the API from a browser (CORS).
   * @default - context `leadflow:allowedOrigins`, else `['http://localhost:3000']`
   */
  readonly allowedOrigins?: readonly string[];
}

/**
 * Leadflow in one stack: state, intake and admin, one construct per capability. Environment-agnostic
 * and without physical names, so it synthesizes offline and two stages deploy side by side.
 */
export class LeadflowStack extends Stack {
  public readonly store: ContactStore;
  public readonly api: IntakeApi;
  public readonly admin: AdminApi;

  constructor(scope: Construct, id: string, props: LeadflowStackProps = {}) {
    super(scope, id, props);

    this.store = new ContactStore(this, 'ContactStore');
    this.api = new IntakeApi(this, 'IntakeApi', {
      table: this.store.table,
      allowedOrigins: props.allowedOrigins ??
        readStringList(this, contextKeys.allowedOrigins) ?? ['http://localhost:3000'],
    });
    this.admin = new AdminApi(this, 'AdminApi', { table: this.store.table });

    const routeTargets: RouteTargets = {
      intake: this.api.handler.function,
      admin: this.admin.handler.function,
      // Deployed with the unsubscribe construct (mail capability); until then its routes are left out.
      unsubscribe: undefined,
    };
    this.api.addRoutes(routeTargets);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Leadflow API' });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName });
  }
}

/**
 * A list from context: a JSON array in cdk.json, or from the command line (`-c key=a,b` or a JSON
 * array string).
 */
const readStringList = (scope: Construct, key: string): string[] | undefined => {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const list: unknown = typeof value === 'string' && value.trim().startsWith('[') ? JSON.parse(value) : value;
  const items = typeof list === 'string' ? list.split(',') : list;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new Error(`Context ${key} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
};
