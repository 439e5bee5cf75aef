import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BatchNorm1d } from '../../../../src-main/engine/nn/batchnorm';
import { bnGate, bnGateComposite, fusedGateBackends } from '../../../../src-main/engine/nn/fused';
import { describeEachBackend, expectClose, expectNoLeak, seededRandom } from '../helpers';

// F = 5 takes the kernels' scalar loops, F = 8 the SIMD WebAssembly ones.
for (const F of [5, 8]) {
  describeEachBackend(`fused CGCNN gate (BN → σ ⊙ softplus), F = ${F}`, (backend) => {
    let wasFused = false;
    beforeAll(() => {
      wasFused = fusedGateBackends.has(backend);
      fusedGateBackends.add(backend);
    });
    afterAll(() => void (wasFused || fusedGateBackends.delete(backend)));
    const R = 37;
    const r = seededRandom(12);
    const zv = Float32Array.from({ length: R * 2 * F }, () => r(-3, 3));
    const wv = Float32Array.from({ length: R * F }, () => r(-1, 1));

    function make(): BatchNorm1d {
      const bn = new BatchNorm1d('bn', 2 * F);
      bn.setTorchState({
        weight: Float32Array.from({ length: 2 * F }, (_, i) => 0.5 + 0.1 * i),
        bias: Float32Array.from({ length: 2 * F }, (_, i) => -0.2 + 0.05 * i),
        running_mean: Float32Array.from({ length: 2 * F }, (_, i) => 0.1 * i),
        running_var: Float32Array.from({ length: 2 * F }, (_, i) => 1 + 0.2 * i),
      });
      return bn;
    }

    it('eval without a gradient tape gives the same bits as under one (the kernel skips ∂m/∂z there)', () => {
      const bn = make();
      const z = tf.tensor2d(zv, [R, 2 * F]);
      const plain = tf.tidy(() => bnGate(z, bn, false).dataSync());
      let taped: Float32Array | Int32Array | Uint8Array = new Float32Array(0);
      tf.tidy(() => void tf.grad((x: tf.Tensor) => {
        const m = bnGate(x as tf.Tensor2D, bn, false);
        taped = m.dataSync().slice();
        return tf.sum(m);
      })(z));
      expect(plain).toEqual(taped);
      expectNoLeak(() => tf.tidy(() => void bnGate(z, bn, false).dataSync()));
      z.dispose();
      bn.dispose();
    });

    for (const training of [true, false]) {
      it(`${training ? 'training' : 'eval'}: value, running stats and gradients (z, γ, β) equal the composite`, () => {
        const a = make();
        const b = make();
        const z = tf.tensor2d(zv, [R, 2 * F]);
        const w = tf.tensor2d(wv, [R, F]);
        const run = (bn: BatchNorm1d, fn: typeof bnGate) =>
          tf.tidy(() => {
            const value = fn(z, bn, training).dataSync();
            const { grads } = tf.variableGrads(() => tf.sum(tf.mul(w, fn(z, bn, training))) as tf.Scalar, [bn.gamma, bn.beta]);
            const gz = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(w, fn(x as tf.Tensor2D, bn, training))))(z).dataSync();
            return { value, gz, gg: grads[bn.gamma.name].dataSync(), gb: grads[bn.beta.name].dataSync(), rm: bn.runningMean.dataSync(), rv: bn.runningVar.dataSync() };
          });
        const fused = run(a, bnGate);
        const ref = run(b, bnGateComposite);
        expectClose(fused.value, ref.value, 1e-5, 1e-4);
        expectClose(fused.gz, ref.gz, 1e-5, 1e-3);
        expectClose(fused.gg, ref.gg, 1e-4, 1e-3);
        expectClose(fused.gb, ref.gb, 1e-4, 1e-3);
        expectClose(fused.rm, ref.rm, 1e-6, 1e-5);
        expectClose(fused.rv, ref.rv, 1e-6, 1e-5);
        expectNoLeak(() => tf.tidy(() => void tf.grad((x: tf.Tensor) => tf.sum(bnGate(x as tf.Tensor2D, a, training)))(z).dataSync()));
        expectNoLeak(() => tf.tidy(() => void bnGate(z, a, training).dataSync()));
        tf.dispose([z, w]);
        a.dispose();
        b.dispose();
      });
    }
  });
}
