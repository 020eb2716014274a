import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { LeadflowStack } from '../../lib/leadflow-stack.js';

/** One of Leadflow's Lambda functions as `cdk synth` leaves it: its bundle on disk and its settings. */
export interface SynthesizedFunction {
  /** The construct path below the stack, e.g. `IntakeApi/Handler`. */
  name: string;
  /** The bundled handler module (`index.mjs`) in the cloud assembly. */
  bundlePath: string;
  /** Bytes of the bundle's code, the source map left out (Lambda loads the map only on errors). */
  codeBytes: number;
  memorySizeMb: number;
}

type FunctionResource = {
  Type: string;
  Metadata?: Record<string, unknown>;
  Properties: { MemorySize?: number; Environment?: { Variables?: Record<string, unknown> } };
};

/**
 * Synthesizes the stack the way `cdk synth` does (asset metadata on) into a fresh directory and
 * lists Leadflow's own functions (named by their service), not the web upload's handler.
 */
export const synthesizeFunctions = (): SynthesizedFunction[] => {
  const outdir = mkdtempSync(join(tmpdir(), 'leadflow-synth-'));
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    outdir,
    context: { ...context, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true },
  });
  const stack = new LeadflowStack(app, 'Leadflow');
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, FunctionResource>;
  };
  return Object.values(template.Resources)
    .filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined,
    )
    .map((resource) => {
      const path = String(resource.Metadata?.['aws:cdk:path']);
      const assetDir = join(assembly.directory, String(resource.Metadata?.['aws:asset:path']));
      const bundle = readdirSync(assetDir).find((file) => file.endsWith('.mjs'));
      if (!bundle) throw new Error(`no bundle in ${assetDir} for ${path}`);
      const bundlePath = join(assetDir, bundle);
      return {
        name: path.replace(/^Leadflow\//, '').replace(/\/Function\/Resource$/, ''),
        bundlePath,
        codeBytes: statSync(bundlePath).size,
        memorySizeMb: resource.Properties.MemorySize ?? 128,
      };
    });
};
