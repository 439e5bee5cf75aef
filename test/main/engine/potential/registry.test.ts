/**
 * The potentials on the architecture registry: each architecture is one definition (its
 * representation and presets) in its model's file, and the potential model builds what the
 * definition says.
 */
import { beforeAll, expect, it } from 'vitest';
import { isPotentialPreset, potentialArchitecture, potentialArchitectures, potentialPresetConfig, potentialPresets, presetIds } from '../../../../src-main/engine/architectures/registry';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { PaiNNRepresentation } from '../../../../src-main/engine/potential/painn';
import { SchNetRepresentation } from '../../../../src-main/engine/potential/schnet';
import { initBackend } from '../../../../src-main/engine/tf/backend';

beforeAll(async () => {
  await initBackend({ force: 'cpu' });
});

it('lists SchNet and PaiNN as potential-energy architectures with their presets, apart from the property presets', () => {
  expect(potentialArchitectures().map((d) => [d.id, d.predicts])).toEqual([
    ['painn', 'potential-energy'],
    ['schnet', 'potential-energy'],
  ]);
  expect(potentialPresets().map((p) => [p.id, p.architecture])).toEqual([
    ['painn-potential', 'painn'],
    ['schnet-potential', 'schnet'],
  ]);
  expect(isPotentialPreset('painn-potential')).toBe(true);
  expect(isPotentialPreset('cgcnn-paper')).toBe(false);
  expect(presetIds()).not.toContain('painn-potential');
  expect(() => potentialArchitecture('mace')).toThrow(/unknown potential architecture "mace" \(known: painn, schnet\)/);
  expect(() => potentialPresetConfig('mace-potential')).toThrow(/unknown potential preset/);
});

it("a preset's config names its preset and architecture, takes overrides, and the model builds the definition's representation", () => {
  const schnet = potentialPresetConfig('schnet-potential', { model: { features: 8, filterFeatures: 8, numLayers: 1 }, training: { epochs: 3 } });
  expect(schnet).toMatchObject({ kind: 'potential', preset: 'schnet-potential', architecture: 'schnet', model: { features: 8, numLayers: 1, activation: 'shifted-softplus' }, radial: { basis: 'gaussian', numBasis: 25 }, training: { epochs: 3 } });
  const painn = potentialPresetConfig('painn-potential', { model: { features: 8, numLayers: 1 } });
  expect(painn).toMatchObject({ architecture: 'painn', radial: { basis: 'bessel', numBasis: 48, cutoff: 6 }, training: { loss: { kind: 'mse', energyWeight: 1, forcesWeight: 4, stressWeight: 10 } } });
  for (const [config, kind] of [
    [schnet, SchNetRepresentation],
    [painn, PaiNNRepresentation],
  ] as const) {
    const model = new PotentialModel(config);
    expect(model.representation).toBeInstanceOf(kind);
    model.dispose();
  }
});
