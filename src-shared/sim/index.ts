/**
 * Simulation with a potential: calculators (EMT, Lennard-Jones, Morse, and any trained potential
 * through the same interface), relaxation (FIRE, L-BFGS, the strain filter), molecular dynamics
 * and equations of state. Pure numerics; units in `units.ts`; see docs/simulation.md.
 */
export * from './units';
export * from './atoms';
export * from './calculator';
export { EmtCalculator, EMT_ELEMENTS, EMT_CUTOFF, type EmtOptions } from './emt';
export { LennardJonesCalculator, MorseCalculator, type LennardJonesParameters, type MorseParameters } from './pair-potentials';
export { PairList } from './pairs';
export * from './filters';
export * from './optimizers';
export * from './relax';
export * from './curvature';
export * from './dynamics';
export * from './thermostats';
export * from './md';
export * from './eos';
export * from './elastic';
export * from './job';
export * from './trajectory';
export * from './symmetry';
export * from './agreement';
export * from './label';
