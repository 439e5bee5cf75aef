/**
 * The potentials' architectures: one line per architecture (its file holds the representation and
 * the definition). The registry (./registry.ts) takes every export of this module, ordered by id.
 */
export { painnPotential } from '../potential/painn';
export { schnetPotential } from '../potential/schnet';
