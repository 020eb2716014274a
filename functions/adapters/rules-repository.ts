import { defaultRules, type QualificationRules } from '../domain/qualification.js';
import { rulesPk } from './table-keys.js';
import { VersionedStore } from './versioned-store.js';

/** A version published before the rules named their handoff offers hands the default ones to sales. */
const withHandoffOffers = (rules: QualificationRules): QualificationRules => ({
  ...rules,
  handoffOffers: rules.handoffOffers ?? defaultRules.handoffOffers,
});

/**
 * The qualification rules, versioned by the shared store. Until the first publish the built-in
 * defaults are in force as version 0.
 */
export class RulesRepository {
  private readonly store: VersionedStore<QualificationRules>;

  constructor(tableName: string) {
    this.store = new VersionedStore<QualificationRules>(tableName, 'rules');
  }

  async current(): Promise<QualificationRules> {
    const stored = await this.store.current(rulesPk);
    return stored ? withHandoffOffers(stored) : defaultRules;
  }

  /** Newest first, the built-in defaults last. */
  async versions(): Promise<QualificationRules[]> {
    return [...(await this.store.versions(rulesPk)).map(withHandoffOffers), defaultRules];
  }

  /** False when another publish got there first (see `VersionedStore.publish`). */
  publish(rules: QualificationRules, expectedVersion: number): Promise<boolean> {
    return this.store.publish(rulesPk, rules, expectedVersion);
  }
}
