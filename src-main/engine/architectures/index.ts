/**
 * The architectures: one line per architecture (its file holds the whole definition). The
 * registry (./registry.ts) takes every export of this module, ordered by id.
 */
export { cgcnn } from './cgcnn';
export { gat } from './gat';
export { gcn } from './gcn';
export { mpnnEdge } from './mpnn-edge';
export { schnet } from './schnet';
