import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { functionMemoryMb } from '../function-memory.js';
import { handlerEntry, LeadflowFunction } from './leadflow-function.js';

export interface AdminApiProps {
  /** The contact store: admin reads contacts and touches and, for erasure and schedules, writes them. */
  readonly table: ITable;
}

/**
 * The marketers' and sales' API: the admin function behind the `admin` routes of `apiRoutes`, and
 * the templates function behind the `templates` ones.
 * The routes live on the one HTTP API (`LeadflowHttpApi.addRoutes`), so the contract keeps a single base
 * URL; a JWT authorizer lets in users of the admin sign-in (`AdminSignIn`), and the handler checks
 * their groups against each route's roles.
 */
export class AdminApi extends Construct {
  public readonly handler: LeadflowFunction;
  /**
   * The template routes' function: publishing and previewing compile MJML, which bundles to
   * megabytes; in a function of its own, no other admin route loads it at a cold start.
   */
  public readonly templates: LeadflowFunction;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);

    this.handler = new LeadflowFunction(this, 'Handler', {
      entry: handlerEntry('admin/handler.ts'),
      serviceName: 'admin',
      memorySize: functionMemoryMb.admin,
      description: 'Contacts, sales decisions, schedules and reports for marketing and sales',
    });
    // Read-write: contact erasure (DELETE) and schedule edits write to the same table.
    this.handler.bindTable(props.table, 'readWrite');

    this.templates = new LeadflowFunction(this, 'Templates', {
      entry: handlerEntry('admin/templates/handler.ts'),
      serviceName: 'templates',
      memorySize: functionMemoryMb.templates,
      description: 'Email templates for marketing: publish (MJML compiled), versions, preview, test send',
    });
    // Read-write: a publish writes the new version; previews read the contact they render for.
    this.templates.bindTable(props.table, 'readWrite');
  }
}
