/**
 * The model zoo's entry point: import `buildModel` / `GraphModel` from here.
 * Loads the assembly first, then the CGCNN convolution (which registers itself with it).
 */
export * from './model';
export { CgcnnConv } from './cgcnn';
export { GcnLayer } from './gcn';
export { SchNetInteraction } from './schnet';
export { MpnnEdgeLayer } from './mpnn-edge';
export { GatLayer } from './gat';
