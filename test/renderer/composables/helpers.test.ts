import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { whileBusy } from '../../../src-renderer/composables/whileBusy';
import { mergeSummaries } from '../../../src-renderer/composables/useStructures';
import { backendTooltip } from '../../../src-renderer/composables/useSystemInfo';
import type { StructureRecord, SystemInfo } from '../../../src-shared/ipc/contract';

const rec = (id: number, name: string): StructureRecord => ({
  id,
  name,
  file: `${name}.cif`,
  block: null,
  format: 'cif',
  formula: 'NaCl',
  cellFormula: 'NaCl',
  spaceGroup: null,
  datasets: [],
  composition: { Na: 1, Cl: 1 },
  nSites: 2,
  lattice: null,
  volume: null,
  warnings: [],
  createdAt: 0,
});

describe('composable helpers', () => {
  it('runs a request the user waits for: busy while it runs, its failure as the message, the earlier message cleared', async () => {
    const busy = ref(false);
    const error = ref<string | null>('an earlier failure');
    const seen: boolean[] = [];
    expect(await whileBusy(busy, error, async () => (seen.push(busy.value), 7))).toBe(7);
    expect([seen, busy.value, error.value]).toEqual([[true], false, null]);
    expect(await whileBusy(busy, error, () => Promise.reject(Object.assign(new Error('no such dataset'), { name: 'UserError' })))).toBeNull();
    expect([busy.value, error.value]).toEqual([false, 'no such dataset']);
  });
  it('merges imported structures into the list, replacing the same ids', () => {
    const merged = mergeSummaries([rec(1, 'a'), rec(2, 'b')], [rec(2, 'b2'), rec(3, 'c')]);
    expect(merged.map((r) => `${r.id}${r.name}`)).toEqual(['1a', '2b2', '3c']);
  });
  it('explains in the backend tooltip why better backends were not used', () => {
    const info = {
      backend: {
        name: 'wasm',
        unavailable: { 'tensorflow-gpu': 'no CUDA', tensorflow: 'libtensorflow missing' },
        kernelThreads: 1,
        kernelThreadsNote: 'SIMD kernels run on one thread: helper threads could not start (no memory)',
      },
    } as unknown as SystemInfo;
    const t = backendTooltip(info);
    expect(t).toContain('SIMD kernels: 1 thread\n');
    expect(t).toContain('helper threads could not start (no memory)');
    const native = { backend: { name: 'tensorflow', unavailable: {}, kernelThreads: null } } as unknown as SystemInfo;
    expect(backendTooltip(native)).not.toContain('SIMD kernels');
    expect(t).toContain('wasm');
    expect(t).toContain('tensorflow-gpu: no CUDA');
    expect(t).toContain('tensorflow: libtensorflow missing');
    expect(backendTooltip(null)).toBe('');
  });
});
