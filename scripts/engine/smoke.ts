/** Smoke test: pick a backend and take one gradient through gather/scatter (run with `npx tsx scripts/engine/smoke.ts`). */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../../src-main/engine/tf/backend';
import { gatherRows, scatterSum } from '../../src-main/engine/nn/segment';

const choice = await initBackend();
console.log('backend:', describeBackend(choice));
const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
const idx = tf.tensor1d([0, 1, 1], 'int32');
const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(scatterSum(gatherRows(v as tf.Tensor2D, idx), idx, 2))))(x);
console.log('grad:', Array.from(g.dataSync()));
