/** Crystal graphs: neighbour lists, features, batching, receptive fields, statistics. */
export * from './neighbors';
export * from './features';
export * from './graph';
export * from './batch';
export * from './receptive';
export * from './stats';
