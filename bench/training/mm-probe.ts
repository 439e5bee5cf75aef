import * as tf from '@tensorflow/tfjs-core';
import * as cpuBackend from '@tensorflow/tfjs-backend-cpu';
void cpuBackend.version_cpu;
import { initBackend } from '../../src-main/compute/tf/backend';
import { parseArgs } from 'node:util';
const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
await initBackend({ force: values.backend });
const E = 44088;
const time = async (name: string, f: () => tf.Tensor) => {
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    const y = f();
    await y.data();
    y.dispose();
    if (r === 1) console.log(`${name}: ${(performance.now() - t).toFixed(1)} ms`);
  }
};
const a = tf.randomNormal([E, 41]);
const w = tf.randomNormal([41, 128]);
const dz = tf.randomNormal([E, 128]);
const h = tf.randomNormal([3674, 64]);
const w2 = tf.randomNormal([64, 128]);
await time('E×41 @ 41×128', () => tf.matMul(a, w));
await time('(E×41)ᵀ @ E×128 (transposeA)', () => tf.matMul(a, dz, true, false));
await time('E×128 @ (41×128)ᵀ (transposeB)', () => tf.matMul(dz, w, false, true));
await time('explicit transpose then matmul', () => tf.matMul(tf.transpose(a), dz));
await time('N×64 @ 64×128', () => tf.matMul(h, w2));
await time('slice(w) then matmul', () => tf.matMul(a, tf.slice(w, [0, 0], [41, 128])));
const big = tf.randomNormal([E, 128]);
const w3 = tf.randomNormal([128, 128]);
await time('E×128 @ 128×128', () => tf.matMul(big, w3));
await time('transpose E×41', () => tf.transpose(a));
await time('4096×4096 @ 4096x64', () => tf.matMul(tf.randomNormal([4096, 4096]), tf.randomNormal([4096, 64])));
