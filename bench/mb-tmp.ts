import * as simd from '../src-main/engine/simd';
import { gaussianExpand } from '../src-shared/graph/features';
const E = 44088;
const xg = gaussianExpand(Float64Array.from({ length: E }, () => 1.5 + Math.random() * 6.5));
const xd = Float32Array.from({ length: E * 41 }, () => Math.random());
const g = Float32Array.from({ length: E * 128 }, () => Math.random() - 0.5);
const w = Float32Array.from({ length: 41 * 128 }, () => Math.random() - 0.5);
const out = new Float32Array(41 * 128);
const outE = new Float32Array(E * 128);
const time = (name: string, f: () => void) => {
  f();
  const ts: number[] = [];
  for (let i = 0; i < 9; i++) { const t = performance.now(); f(); ts.push(performance.now() - t); }
  ts.sort((p, q) => p - q);
  console.log(`${name}: median ${ts[4].toFixed(1)} ms, min ${ts[0].toFixed(1)}`);
};
console.log('zeros', xg.filter((v) => v === 0).length / xg.length);
time('xᵀ·g gaussian', () => simd.transposedProduct(xg, g, out, E, 41, 128));
time('xᵀ·g dense', () => simd.transposedProduct(xd, g, out, E, 41, 128));
time('x·w gaussian', () => simd.windowedProduct(xg, w, outE, E, 41, 128));
time('x·w dense', () => simd.windowedProduct(xd, w, outE, E, 41, 128));
time('copy g', () => outE.set(g));
const x0 = new Float32Array(E * 41);
time('xᵀ·g zeros', () => simd.transposedProduct(x0, g, out, E, 41, 128));
time('xᵀ·g gaussian again', () => simd.transposedProduct(xg, g, out, E, 41, 128));
