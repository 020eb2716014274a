import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { handlerEntry, LeadflowFunction } from './leadflow-function.js';

export interface AdminApiProps {
  /** The contact store: admin reads contacts and touches and, for erasure and schedules, writes them. */
  readonly table: ITable;
}

/**
 * The marketers' and sales' API: the admin function behind the `admin` routes of `apiRoutes`.
 * The routes live on the one HTTP API (`IntakeApi.addRoutes`), so the contract keeps a single base
 * URL; a JWT authorizer lets in users of the admin sign-in (`AdminSignIn`), and the handler checks
 * their groups against each route's roles.
 */
export class AdminApi extends Construct {
  public readonly handler: LeadflowFunction;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);

    this.handler = new LeadflowFunction(this, 'Handler', {
      entry: handlerEntry('admin/handler.ts'),
      serviceName: 'admin',
      description: 'Contacts, sales decisions, schedules and reports for marketing and sales',
    });
    // Read-write: contact erasure (DELETE) and schedule edits write to the same table.
    this.handler.bindTable(props.table, 'readWrite');
  }
}
