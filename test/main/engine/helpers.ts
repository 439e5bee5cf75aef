/** Shared helpers for the compute tests: run a suite on each backend, finite differences, leak checks. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { initBackend, type BackendCandidate } from '../../../src-main/engine/tf/backend';

export const TEST_BACKENDS: BackendCandidate[] = ['cpu', 'wasm'];

/** Declares `suite` once per test backend, switching backend in beforeAll. */
export function describeEachBackend(title: string, suite: (backend: BackendCandidate) => void): void {
  for (const b of TEST_BACKENDS) {
    describe(`${title} [${b}]`, () => {
      beforeAll(async () => {
        await initBackend({ force: b });
      });
      suite(b);
    });
  }
}

/** Deterministic pseudo-random numbers in [lo, hi). */
export function seededRandom(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

/**
 * Central finite differences of scalar f at x (float32 tensors, so keep eps ≈ 1e-2
 * and compare with a relative tolerance). Returns the numerical gradient.
 */
export function finiteDifference(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const g = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] += eps;
    const minus = base.slice();
    minus[i] -= eps;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

/** Compares analytic and numerical gradients with |a-n| <= atol + rtol·|n|. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= atol + rtol * Math.abs(expected[i]))) {
      throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (|diff| ${d} > ${atol} + ${rtol}·|expected|)`);
    }
  }
}

/** Runs fn twice (warm-up, then measured) and asserts the tensor count does not grow. */
export function expectNoLeak(fn: () => void): void {
  fn();
  const before = tf.memory().numTensors;
  fn();
  fn();
  expect(tf.memory().numTensors).toBe(before);
}
