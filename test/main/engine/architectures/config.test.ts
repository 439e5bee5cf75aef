import { describe, expect, it } from 'vitest';
import { gaussianCount, mergeConfig, resolvedLoss, ModelConfigError } from '../../../../src-shared/model/config';
import { architectures, parseModelConfig, presetConfig, presetIds, presets, safeParseModelConfig } from '../../../../src-main/engine/architectures/registry';

describe('model config schema', () => {
  it('fills every default from just an architecture', () => {
    const c = parseModelConfig({ architecture: 'gcn' });
    expect(c.model.atomFeatures).toBe(64);
    expect(c.model.head).toEqual({ kind: 'regression', numTargets: 1 });
    expect(c.graph.cutoff).toBe(8);
    expect(c.graph.maxNeighbors).toBe(12);
    expect(c.training.optimizer).toEqual({ kind: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false });
    expect(c.training.split).toEqual({ val: 0.1, test: 0.1 });
    expect(resolvedLoss(c)).toBe('mse');
  });

  it('names the architectures when the architecture is unknown', () => {
    const r = safeParseModelConfig({ architecture: 'transformer', model: { atomFeatures: -3 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.join('\n')).toMatch(/^architecture: architecture must be one of cgcnn, gat, gcn, mpnn-edge, schnet$/m);
  });

  it('reports every problem with its path and a readable message', () => {
    const r = safeParseModelConfig({
      architecture: 'schnet',
      model: { atomFeatures: -3, readout: 'median', head: { kind: 'classification', numClasses: 1 }, filterFeatures: 0, aggregation: 'median' },
      training: { optimizer: { kind: 'sgd', lr: 0 }, split: { val: 0.6, test: 0.5 } },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.issues.join('\n');
    expect(text).toMatch(/model\.filterFeatures: filterFeatures must be at least 1/);
    expect(text).toMatch(/model\.aggregation: aggregation must be one of sum, mean, max/);
    expect(text).toMatch(/model\.atomFeatures: atomFeatures must be at least 1/);
    expect(text).toMatch(/model\.readout: readout must be one of sum, mean, max, attention, set2set/);
    expect(text).toMatch(/model\.head\.numClasses: a classifier needs at least 2 classes/);
    expect(text).toMatch(/training\.optimizer\.lr: optimizer\.lr must be greater than 0/);
  });

  it('checks cross-field rules: split fractions, loss vs head, Gaussian range', () => {
    expect(() => parseModelConfig({ architecture: 'gcn', training: { split: { val: 0.6, test: 0.5 } } })).toThrow(/split\.val \+ split\.test must be below 1/);
    expect(() => parseModelConfig({ architecture: 'gcn', training: { loss: 'cross-entropy' } })).toThrow(/cross-entropy needs a classification head/);
    expect(() => parseModelConfig({ architecture: 'gcn', model: { head: { kind: 'classification' } }, training: { loss: 'mae' } })).toThrow(ModelConfigError);
    expect(() => parseModelConfig({ architecture: 'gcn', graph: { cutoff: 4, gaussian: { dmin: 5 } } })).toThrow(/graph\.cutoff: graph\.cutoff \(4\) must be greater than gaussian\.dmin \(5\): with no gaussian\.dmax it is the last Gaussian centre/);
    expect(resolvedLoss(parseModelConfig({ architecture: 'gcn', model: { head: { kind: 'classification' } } }))).toBe('cross-entropy');
  });

  it('refuses a Gaussian step below 0.01 Å, naming the field and the bound (10⁻⁹ Å passed: 8 billion features per edge)', () => {
    const problems = (step: unknown) => {
      const r = safeParseModelConfig({ architecture: 'cgcnn', graph: { gaussian: { step } } });
      return r.ok ? [] : r.issues;
    };
    const below = 'graph.gaussian.step: gaussian.step must be at least 0.01 Å (CGCNN spaces its Gaussian centres 0.2 Å apart, SchNet 0.1 Å)';
    for (const step of [1e-9, 0.00999, 0, -0.2]) expect(problems(step), String(step)).toEqual([below]);
    expect(problems('0.2')).toEqual(['graph.gaussian.step: gaussian.step must be a number']);
    expect(problems(0.01)).toEqual([]);
    expect(problems(0.2)).toEqual([]);
  });

  it('takes a Gaussian width above 0 and up to 30 Å, naming the field and the bound (10⁶ Å passed: every feature 1 at every distance)', () => {
    const problems = (width: unknown) => {
      const r = safeParseModelConfig({ architecture: 'cgcnn', graph: { gaussian: { width } } });
      return r.ok ? [] : r.issues;
    };
    const wide = "graph.gaussian.width: gaussian.width must be at most 30 Å (the largest cutoff: a wider Gaussian is flat over every distance a model sees; CGCNN's is 0.2 Å, its step)";
    for (const width of [1e6, 30.001]) expect(problems(width), String(width)).toEqual([wide]);
    for (const width of [0, -0.2]) expect(problems(width), String(width)).toEqual(['graph.gaussian.width: gaussian.width must be greater than 0']);
    for (const width of [1e-6, 0.2, 30]) expect(problems(width), String(width)).toEqual([]);
  });

  it('counts Gaussian centres like numpy.arange(dmin, dmax + step, step)', () => {
    const g = (cutoff: number, dmin: number, step: number, dmax?: number) =>
      gaussianCount(parseModelConfig({ architecture: 'cgcnn', graph: { cutoff, gaussian: { dmin, step, dmax } } }).graph);
    expect(g(8, 0, 0.2)).toBe(41); // CGCNN
    expect(g(5, 0, 0.1)).toBe(51);
    expect(g(6, 0.5, 0.5)).toBe(12);
    expect(g(8, 0, 0.2, 4)).toBe(21);
  });

  it("keeps an architecture's own fields and drops other architectures' fields", () => {
    const c = parseModelConfig({ architecture: 'gat', model: { attentionHeads: 3, filterFeatures: 9, aggregation: 'mean' } });
    expect(c.model.attentionHeads).toBe(3);
    expect('filterFeatures' in c.model).toBe(false);
    expect('aggregation' in c.model).toBe(false);
    expect(parseModelConfig({ architecture: 'schnet' }).model).toMatchObject({ filterFeatures: 64, aggregation: 'sum' });
  });

  it('round-trips through JSON unchanged', () => {
    for (const id of presetIds()) {
      const c = presetConfig(id);
      expect(parseModelConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    }
  });

  it('merges overrides deeply and switches union variants cleanly', () => {
    const base = { training: { optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 }, epochs: 30 } };
    const m = mergeConfig(base, { training: { optimizer: { kind: 'adam' }, epochs: 5 } });
    expect(m).toEqual({ training: { optimizer: { kind: 'adam' }, epochs: 5 } });
    expect(mergeConfig(base, { training: { optimizer: { lr: 0.1 } } }).training.optimizer).toEqual({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
  });
});

describe('presets', () => {
  it('have stable ids, listed by architecture (ordered by id)', () => {
    expect(presetIds()).toEqual(['cgcnn-paper', 'gat', 'gcn', 'mpnn-edge', 'schnet']);
    for (const p of presets()) {
      expect(presetConfig(p.id).preset).toBe(p.id);
      expect(presetConfig(p.id).architecture).toBe(p.architecture);
    }
    // every architecture has at least one preset
    for (const a of architectures()) expect(presets().some((p) => p.architecture === a.id)).toBe(true);
  });

  it('cgcnn-paper holds the reference implementation defaults', () => {
    const c = presetConfig('cgcnn-paper');
    expect(c.architecture).toBe('cgcnn');
    expect(c.model.numLayers).toBe(3);
    expect(c.model.atomFeatures).toBe(64);
    expect(c.model.hiddenFeatures).toBe(128);
    expect(c.model.numHidden).toBe(1);
    expect(c.model.readout).toBe('mean');
    expect(c.training.optimizer).toEqual({ kind: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false });
    expect(c.training.batchSize).toBe(256);
    expect(c.training.epochs).toBe(30);
    expect(c.training.schedule).toEqual({ kind: 'step', milestones: [100], gamma: 0.1 });
    expect(c.graph.cutoff).toBe(8);
    expect(c.graph.maxNeighbors).toBe(12);
    expect(gaussianCount(c.graph)).toBe(41);
  });

  it('accept overrides and reject unknown ids', () => {
    expect(presetConfig('cgcnn-paper', { training: { epochs: 3 } }).training.epochs).toBe(3);
    expect(() => presetConfig('nope')).toThrow(/unknown preset "nope"/);
  });
});
