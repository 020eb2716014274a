import type { PublishedTemplate, TemplateKind } from '../domain/email-template.js';
import { seedTemplates } from '../domain/template-seeds.js';
import { queryAll } from './dynamodb.js';
import { templatePk, templatesIndexPk } from './table-keys.js';
import { VersionedStore } from './versioned-store.js';

export interface TemplateSummary {
  name: string;
  version: number;
  kind: TemplateKind;
  description: string;
  subject: string;
  updatedAt: string;
}

const summaryOf = ({
  name,
  version,
  kind,
  description,
  subject,
  updatedAt,
}: PublishedTemplate): TemplateSummary => ({
  name,
  version,
  kind,
  description,
  subject,
  updatedAt,
});

/**
 * Email templates by name, versioned by the shared store. Until a template's first publish its
 * seed (`functions/domain/template-seeds.ts`) is version 0.
 */
export class TemplateRepository {
  private readonly store: VersionedStore<PublishedTemplate>;

  constructor(private readonly tableName: string) {
    this.store = new VersionedStore<PublishedTemplate>(tableName, 'template');
  }

  async current(name: string): Promise<PublishedTemplate | undefined> {
    return (await this.store.current(templatePk(name))) ?? seedTemplates.get(name);
  }

  /** Newest first, the seed (if the template has one) last. */
  async versions(name: string): Promise<PublishedTemplate[]> {
    const seed = seedTemplates.get(name);
    return [...(await this.store.versions(templatePk(name))), ...(seed ? [seed] : [])];
  }

  /** Every template, by name. */
  async list(): Promise<TemplateSummary[]> {
    const byName = new Map([...seedTemplates.values()].map((seed) => [seed.name, summaryOf(seed)]));
    const published = await queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': templatesIndexPk },
    });
    for (const item of published) {
      const summary = item.summary as TemplateSummary;
      byName.set(summary.name, summary);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** False when another publish got there first. */
  publish(template: PublishedTemplate, expectedVersion: number): Promise<boolean> {
    return this.store.publish(templatePk(template.name), template, expectedVersion, [
      { pk: templatesIndexPk, sk: template.name, summary: summaryOf(template) },
    ]);
  }
}
