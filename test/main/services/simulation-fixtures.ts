/** Structures for the simulation service tests, as files the app imports. */
import type { TrainingDomain } from '../../../src-shared/model/domain';

/** fcc copper (a = 3.6 Å), the conventional cell repeated rep × rep × rep, as a POSCAR; `shift` moves atom 0 along x. */
export function copperPoscar(rep: number, shift = 0, element = 'Cu'): string {
  const a = 3.6;
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const lines: string[] = [];
  for (let i = 0; i < rep; i++) for (let j = 0; j < rep; j++) for (let k = 0; k < rep; k++) for (const b of basis) lines.push([(i + b[0]) / rep, (j + b[1]) / rep, (k + b[2]) / rep].map((x) => x.toFixed(8)).join(' '));
  if (shift) lines[0] = [Number(lines[0].split(' ')[0]) + shift / (a * rep), 0, 0].map((x) => x.toFixed(8)).join(' ');
  const L = (a * rep).toFixed(6);
  return [`${element} fcc`, '1.0', `${L} 0 0`, `0 ${L} 0`, `0 0 ${L}`, element, String(lines.length), 'Direct', ...lines].join('\n') + '\n';
}

/**
 * A tiny SchNet potential with fixed random weights (2 layers, 8 features, cutoff 3.6 Å) as a
 * `.lwm` file: what a trained potential is to the simulator, without the training; `domain` is the
 * training domain its file records (none by default); `members` > 1 makes an ensemble (seeds 1, 2, …).
 */
export async function tinyPotentialFile(name: string, domain?: TrainingDomain, members = 1): Promise<Uint8Array> {
  const [{ initBackend }, { encodeModelFile }, { potentialModelFile }, { PotentialModel }, { tinyConfig }] = await Promise.all([
    import('../../../src-main/engine/tf/backend'),
    import('../../../src-main/engine/models/format'),
    import('../../../src-main/engine/potential/file'),
    import('../../../src-main/engine/potential/model'),
    import('../engine/potential/helpers'),
  ]);
  await initBackend();
  const config = tinyConfig('schnet');
  const reference = new Float32Array(81);
  reference[29] = -3.5;
  reference[79] = -3.1;
  const weights = Array.from({ length: members }, (_, k) => {
    const model = new PotentialModel(config, k + 1);
    model.setEnergyStatistics(reference, 20, 0);
    const w = model.getWeights();
    model.dispose();
    return w;
  });
  return encodeModelFile(potentialModelFile({ name, config, members: weights, provenance: { source: 'other', createdAt: '2026-12-01T00:00:00Z', software: 'latticework test' }, ...(domain ? { domain } : {}) }));
}
