import { describe, expect, it } from 'vitest';
import { domainWarnings, trainingDomain, type DomainStructure } from '../../../src-shared/model/domain';

const crystal = (numbers: number[]): DomainStructure => ({ numbers, pbc: [true, true, true] });
const molecule = (numbers: number[]): DomainStructure => ({ numbers, pbc: [false, false, false] });

describe('training domain', () => {
  it('records the elements (by atomic number), periodicity, sizes and target ranges of the training structures', () => {
    const d = trainingDomain([crystal([29, 29, 13]), crystal([13]), crystal([47, 29, 29, 29])], [[0.5], [-0.2], [1.5]]);
    expect(d).toEqual({ basis: 'training-split', elements: ['Al', 'Cu', 'Ag'], structures: 'periodic', atoms: { min: 1, max: 4 }, targets: [{ min: -0.2, max: 1.5 }] });
    expect(trainingDomain([molecule([1, 1, 8])], null)).toMatchObject({ structures: 'molecular', targets: null });
    expect(trainingDomain([molecule([1, 1, 8]), crystal([11, 17])], null).structures).toBe('both');
    expect(() => trainingDomain([], null)).toThrow(/at least one structure/);
  });

  it('says nothing inside the domain, and names each reason outside it', () => {
    const d = trainingDomain([crystal([29, 29, 13]), crystal([13, 13, 13, 13, 13, 13])], [[0], [1]]);
    const target = [{ name: 'energy_per_atom', unit: 'eV/atom' }];
    expect(domainWarnings(d, crystal([13, 29, 29]), [0.4], target)).toEqual([]);
    const w = domainWarnings(d, molecule([1, 1, 8, 29, 29, 29, 29]), [2.5], target);
    expect(w).toHaveLength(4);
    expect(w[0]).toMatch(/molecule .*periodic crystals only/);
    expect(w[1]).toBe('elements H, O not in the training data (trained on Al, Cu)');
    expect(w[2]).toMatch(/^7 atoms, outside the training structures' size range \(3–6 atoms\)/);
    expect(w[3]).toBe("predicted energy_per_atom 2.5 eV/atom lies outside the training targets' range (0 to 1 eV/atom)");
    // the structure alone (classification, or no prediction yet)
    expect(domainWarnings(d, crystal([13, 29, 29]), null, target)).toEqual([]);
  });

  it('checks a molecular model against crystals, and says when a model file records no domain', () => {
    const d = trainingDomain([molecule([6, 1, 1, 1, 1])], null);
    expect(domainWarnings(d, crystal([6, 1, 1, 1, 1]))).toEqual(['a periodic crystal, but the model was trained on molecules only']);
    expect(domainWarnings(undefined, crystal([11, 17]))[0]).toMatch(/records no training domain/);
  });

  it('checks only what a stated domain knows (elements, sizes, targets unknown)', () => {
    const stated = { basis: 'stated' as const, elements: null, structures: 'periodic' as const, atoms: null, targets: null };
    expect(domainWarnings(stated, crystal([92, 94]), [1e6], [{ name: 'x', unit: '' }])).toEqual([]);
    expect(domainWarnings(stated, molecule([6, 6, 6, 6, 6, 6, 1, 1, 1, 1, 1, 1]))).toHaveLength(1);
  });
});
