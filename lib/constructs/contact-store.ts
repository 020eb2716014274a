import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDesign } from '../table-design.js';

export interface ContactStoreProps {
  /**
   * What happens to the table when the stack is deleted or the table replaced.
   * @default RemovalPolicy.RETAIN: contacts, consent and the send ledger outlive the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Leadflow's state: the one DynamoDB table of `tableDesign` (the local runtime creates its DynamoDB
 * Local table from the same object). On-demand, point-in-time recovery on, retained on deletion.
 * Functions get it through `LeadflowFunction.bindTable`, which sets the name and the grant together.
 */
export class ContactStore extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: ContactStoreProps = {}) {
    super(scope, id);

    const key = (name: string) => ({ name, type: AttributeType.STRING });

    this.table = new Table(this, 'Table', {
      partitionKey: key(tableDesign.partitionKey),
      sortKey: key(tableDesign.sortKey),
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
      // Intake traffic follows campaigns: bursty and unpredictable, so no capacity to plan.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    for (const index of tableDesign.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
      });
    }
  }
}
