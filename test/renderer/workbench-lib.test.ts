import { describe, expect, it } from 'vitest';
import { aggregationField, modelConfigSchema, parseConfigWith, posInt } from '../../src-shared/model/config';
import { COMMON_HINTS, describeSchema, humanize } from '../../src-shared/model/form';
import { POTENTIAL_HINTS, PotentialConfigSchema } from '../../src-shared/model/potential';
import type { MetricPoint, PredictionPoint, TrainingProgress } from '../../src-shared/ipc/contract';
import { checkedPropertyConfig, describeConfig, diffPaths, fieldLabels, fieldText, formMessage, getAt, issueField, readNumberField, readNumberList, setAt, switchArchitecture, variantDefaults } from '../../src-renderer/lib/configSchema';
import { appendProgress, batchStep, emptySeries, groupKeys, hiddenMetricKeys, mergeSeries, pointCount, seriesFromPoints } from '../../src-renderer/lib/series';
import { analysePredictions, bestMetricText, canResume, deleteRunsQuestion, emptyResultsNotice, externalLabel, flatten, isRunFolderFile, matchesRun, parallelData, parameterDiff, progressText, runResults, sortRuns, defaultFilter, splitNotice, stoppedEarlyNotice, visibleSelection } from '../../src-renderer/lib/runs';
import { chartDescription, divergingRgb, fitLegend, fitParallelAxes, histogram, histogramOption, LEGEND_CLEARANCE, LEGEND_ROW, legendRows, lineOption, niceRange, PARALLEL_LEGEND_CLEARANCE, PARALLEL_MISSING, parallelOption, parityOption, perAtomColors, spaceGroupOption, tickText, trajectoryOption } from '../../src-renderer/lib/charts';
import { BACKEND_COSTS, calibratedGflops, estimateCost, estimateExplanation, memoryProblem, scaleBatchBytes } from '../../src-renderer/lib/estimates';
import { errorMessage, fileErrorText, fmtBytes, fmtDuration, fmtNum, frameLabel } from '../../src-renderer/lib/format';
import { targetUnit } from '../../src-shared/model/units';
import { datasetOption, runDatasetNote, runDatasetText, sameNameNote } from '../../src-renderer/lib/datasets';
import { importLine, stripCommonFolder } from '../../src-renderer/composables/useDatasets';
import { inOwnDropZone } from '../../src-renderer/composables/useFileDrop';
import { findField as find } from '../helpers/form';
import { runRecord } from './run-record';

// Two architectures' parts as the engine's registry builds them (test/main/engine/architectures
// checks the registry's own descriptors reach this code), sent as JSON like models.architectures.
const zodSchema = modelConfigSchema([
  { id: 'cgcnn', fields: {} },
  { id: 'gat', fields: { attentionHeads: posInt('attentionHeads').default(1) } },
  { id: 'schnet', fields: { filterFeatures: posInt('filterFeatures').default(64), aggregation: aggregationField('sum') } },
]);
const hints = { ...COMMON_HINTS, 'model.filterFeatures': { label: 'Filter features', hint: 'Filter-network width' } };
const schema = JSON.parse(JSON.stringify(describeSchema(zodSchema, hints))) as ReturnType<typeof describeSchema>;
const cgcnnPaper = (over: Record<string, unknown> = {}) =>
  parseConfigWith(zodSchema, { architecture: 'cgcnn', graph: { cgcnnPadding: true }, training: { loss: 'mse', schedule: { kind: 'step' } }, ...over });

describe('config form from the registry’s schema descriptors', () => {
  const config = cgcnnPaper() as unknown as Record<string, unknown>;
  const nodes = describeConfig(schema, config);

  it('has the top-level architecture enum and the three sections, without schemaVersion/preset', () => {
    expect(nodes.map((n) => n.id)).toEqual(['architecture', 'model', 'graph', 'training']);
    const arch = nodes[0];
    expect(arch).toMatchObject({ kind: 'enum', label: 'Architecture', switchesVariant: true });
    if (arch.kind === 'enum') expect(arch.options).toEqual(['cgcnn', 'gat', 'schnet']);
  });

  it("shows the chosen architecture's own fields only", () => {
    expect(find(nodes, 'model.filterFeatures')).toBeUndefined();
    const schnet = describeConfig(schema, cgcnnPaper({ architecture: 'schnet' }));
    expect(find(schnet, 'model.filterFeatures')).toMatchObject({ kind: 'number', value: 64, label: 'Filter features' });
    expect(find(schnet, 'model.aggregation')).toMatchObject({ kind: 'enum', value: 'sum' });
  });

  it('switching the architecture keeps the shared values and takes the new one’s defaults', () => {
    const edited = setAt(config, ['model', 'atomFeatures'], 32);
    const next = switchArchitecture(schema, edited, 'gat');
    expect(next.architecture).toBe('gat');
    expect(getAt(next, ['model', 'atomFeatures'])).toBe(32);
    expect(getAt(next, ['model', 'attentionHeads'])).toBe(1);
    expect(getAt(next, ['training', 'batchSize'])).toBe(256);
    const back = switchArchitecture(schema, setAt(next, ['model', 'attentionHeads'], 4), 'schnet');
    expect(getAt(back, ['model', 'attentionHeads'])).toBeUndefined();
    expect(getAt(back, ['model', 'filterFeatures'])).toBe(64);
  });

  it('describes numbers with integer flags, bounds and values', () => {
    const f = find(nodes, 'model.atomFeatures');
    expect(f).toMatchObject({ kind: 'number', integer: true, value: 64, label: 'Atom features' });
    const drop = find(nodes, 'model.dropout');
    expect(drop).toMatchObject({ kind: 'number', integer: false, min: 0, max: 1 });
    const clip = find(nodes, 'training.gradClipNorm');
    expect(clip).toMatchObject({ kind: 'number', nullable: true, value: null });
    const dmax = find(nodes, 'graph.gaussian.dmax');
    expect(dmax).toMatchObject({ kind: 'number', optional: true });
  });

  it('describes booleans, nullable enums and number lists', () => {
    expect(find(nodes, 'graph.cgcnnPadding')).toMatchObject({ kind: 'boolean', value: true });
    expect(find(nodes, 'training.loss')).toMatchObject({ kind: 'enum', nullable: true, value: 'mse' });
    expect(find(nodes, 'training.schedule.milestones')).toMatchObject({ kind: 'numberList', value: [100] });
  });

  it('describes discriminated unions by kind with the chosen variant only', () => {
    const opt = find(nodes, 'training.optimizer');
    expect(opt?.kind).toBe('variant');
    if (opt?.kind !== 'variant') return;
    expect(opt.options).toEqual(['sgd', 'adam', 'adamw']);
    expect(opt.value).toBe('sgd');
    expect(opt.children.map((c) => c.key)).toEqual(['lr', 'momentum', 'nesterov']);
  });

  it('fills a variant with its defaults when the kind changes', () => {
    expect(variantDefaults(schema, ['training', 'optimizer'], 'adam')).toEqual({ kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad: false });
    expect(variantDefaults(schema, ['model', 'head'], 'classification')).toEqual({ kind: 'classification', numClasses: 2 });
  });

  it('sets values immutably and reports differences by dotted path', () => {
    const next = setAt(config, ['training', 'epochs'], 5);
    expect(getAt(next, ['training', 'epochs'])).toBe(5);
    expect(getAt(config, ['training', 'epochs'])).toBe(30);
    expect(diffPaths(config, next)).toEqual(['training.epochs']);
    const adam = setAt(next, ['training', 'optimizer'], { kind: 'adam', lr: 0.001 });
    expect(diffPaths(config, adam).sort()).toEqual(['training.epochs', 'training.optimizer.kind']);
  });

  it('gives the estimate a check of the draft’s own kind only (a potential’s check right after switching to a property preset has no graph)', () => {
    const breakdown = { embedding: 1, layer: 2, layers: 6, readout: 0, head: 3, total: 10, state: 0 };
    const propertyCheck = { ok: true, issues: [], config, parameterCount: 10, breakdown, differences: [] };
    const potential = { kind: 'potential', architecture: 'painn', model: { numLayers: 3 }, radial: { cutoff: 5 } };
    const potentialCheck = { ...propertyCheck, config: potential };
    expect(checkedPropertyConfig(propertyCheck, config)?.config.graph.maxNeighbors).toBe(12);
    expect(checkedPropertyConfig(potentialCheck, config)).toBeNull();
    expect(checkedPropertyConfig(propertyCheck, potential)).toBeNull();
    expect(checkedPropertyConfig({ ...propertyCheck, ok: false }, config)).toBeNull();
    expect(checkedPropertyConfig(null, config)).toBeNull();
  });

  it('words the check’s messages with the form’s labels, and puts a derived dmax’s problem under the cutoff', () => {
    const messages = (over: Record<string, unknown>) => {
      const draft = cgcnnPaper() as unknown as Record<string, unknown>;
      const c = Object.entries(over).reduce((acc, [k, v]) => setAt(acc, k.split('.'), v), draft);
      const r = zodSchema.safeParse(c);
      const labels = fieldLabels(describeConfig(schema, c));
      // as the Models view words them: under the field (a list's entry under its list)
      return r.success ? [] : r.error.issues.map((i) => ({ path: issueField(i.path.join('.')), message: formMessage({ path: issueField(i.path.join('.')), message: i.message }, labels) }));
    };
    expect(messages({ 'model.numLayers': 0, 'training.batchSize': 0 })).toEqual([
      { path: 'model.numLayers', message: 'Layers must be at least 1' },
      { path: 'training.batchSize', message: 'Batch size must be at least 1' },
    ]);
    // only the cutoff's own message, not one under the empty dmax field
    expect(messages({ 'graph.cutoff': -1 })).toEqual([{ path: 'graph.cutoff', message: 'Cutoff must be greater than 0 Å' }]);
    expect(messages({ 'graph.cutoff': 1, 'graph.gaussian.dmin': 2 })).toEqual([
      { path: 'graph.cutoff', message: 'Cutoff (1) must be greater than dmin (2): with no dmax it is the last Gaussian centre' },
    ]);
    expect(messages({ 'graph.gaussian.dmax': 1, 'graph.gaussian.dmin': 2 })).toEqual([{ path: 'graph.gaussian.dmax', message: 'dmax (1) must be greater than dmin (2)' }]);
    expect(messages({ 'training.optimizer.lr': 0 })).toEqual([{ path: 'training.optimizer.lr', message: 'Learning rate must be greater than 0' }]);
    // the seed's bounds in its own words; 1e30 is only too big (a double that large reads as whole)
    expect(messages({ 'training.seed': -1 })).toEqual([{ path: 'training.seed', message: 'Seed must be 0 or more' }]);
    expect(messages({ 'training.seed': 1e30 })).toEqual([{ path: 'training.seed', message: 'Seed must be at most 4294967295' }]);
    expect(messages({ 'training.seed': 1.5 })).toEqual([{ path: 'training.seed', message: 'Seed must be a whole number' }]);
    // a milestone's problem is the Milestones field's
    expect(messages({ 'training.schedule.milestones': [-5, 10] })).toEqual([{ path: 'training.schedule.milestones', message: 'Milestones must be at least 1' }]);
    expect(messages({ 'graph.gaussian.width': 1e6 })).toEqual([
      { path: 'graph.gaussian.width', message: "Width must be at most 30 Å (the largest cutoff: a wider Gaussian is flat over every distance a model sees; CGCNN's is 0.2 Å, its step)" },
    ]);
    expect(messages({ 'graph.gaussian.width': 0 })).toEqual([{ path: 'graph.gaussian.width', message: 'Width must be greater than 0 Å' }]);
    expect(formMessage({ path: 'model.maxZ', message: 'model.maxZ must be at most 118 (oganesson)' }, { 'model.maxZ': 'Highest Z' })).toBe('Highest Z must be at most 118 (oganesson)');
    // a potential's basis functions, as the potentials' form labels them
    const basis = PotentialConfigSchema.safeParse({ kind: 'potential', architecture: 'painn', radial: { numBasis: 1e6 } });
    expect(basis.success ? [] : basis.error.issues.map((i) => formMessage({ path: i.path.join('.'), message: i.message }, { 'radial.numBasis': POTENTIAL_HINTS['radial.numBasis'].label }))).toEqual([
      "Basis functions must be at most 300 (SchNet's 300 Gaussians are the most a published potential uses; PaiNN uses 20)",
    ]);
    expect(messages({ 'training.optimizer': { kind: 'adam', lr: 0.001, beta1: 1, beta2: 1 } })).toEqual([
      { path: 'training.optimizer.beta1', message: 'β₁ must be at least 0 and below 1' },
      { path: 'training.optimizer.beta2', message: 'β₂ must be at least 0 and below 1' },
    ]);
    expect(messages({ 'training.split.val': 0.5, 'training.split.test': 0.6 })[0].message).toBe('Validation + Test must be below 1 (got 0.5 + 0.6)');
    // a message that names no field as the JSON does is left as it is
    expect(formMessage({ path: 'model.head.numClasses', message: 'a classifier needs at least 2 classes' }, { 'model.head.numClasses': 'Classes' })).toBe('a classifier needs at least 2 classes');
  });

  it('reads inputs: an emptied or unparsable number is a problem, never the last value', () => {
    const lr = { label: 'Learning rate', nullable: false, optional: false };
    expect(readNumberField('1e-3', false, lr)).toEqual({ value: 0.001 });
    expect(readNumberField('', false, lr)).toEqual({ problem: 'Learning rate: enter a number' });
    // "1e" in an <input type="number">: value '' and validity.badInput
    expect(readNumberField('', true, lr)).toEqual({ problem: 'Learning rate: enter a number' });
    expect(readNumberField('', true, { ...lr, nullable: true })).toEqual({ problem: 'Learning rate: enter a number' });
    expect(readNumberField('0x', false, lr)).toEqual({ problem: 'Learning rate: “0x” is not a number' });
    expect(readNumberField('', false, { ...lr, nullable: true })).toEqual({ value: null });
    expect(readNumberField('', false, { ...lr, optional: true })).toEqual({ value: undefined });
    expect(readNumberList('100, 200;300', 'Milestones')).toEqual({ value: [100, 200, 300] });
    expect(readNumberList('100, abc', 'Milestones')).toEqual({ problem: 'Milestones: “abc” is not a number' });
    expect(humanize('maxNeighbors')).toBe('Max neighbors');
  });

  it('shows what was typed while it reads as the value, empty while it is a problem, else the value', () => {
    const read = (t: string) => readNumberField(t, false, { label: 'Learning rate', nullable: false, optional: false });
    const show = (v: number | null | undefined) => String(v ?? '');
    expect(fieldText(0.01, '0.010', false, read, show)).toBe('0.010');
    expect(fieldText(0.01, '', true, read, show)).toBe('');
    // a preset switched under the typed text
    expect(fieldText(0.1, '0.010', false, read, show)).toBe('0.1');
    expect(fieldText(0.1, null, false, read, show)).toBe('0.1');
  });
});

const mp = (key: string, step: number, epoch: number, value: number): MetricPoint => ({ runId: 1, key, step, epoch, value, time: 0 });

describe('metric series', () => {
  it('splits stored points into per-epoch (x = epoch + 1) and per-batch (x = step) series', () => {
    const s = seriesFromPoints([mp('train_loss', 0, 0, 1), mp('train_loss', 1, 1, 0.5), mp('batch_loss', 0, 0, 2), mp('batch_loss', 3, 1, 1), mp('val_mae', 1, 1, 0.2)]);
    expect(s.epoch.train_loss).toEqual([
      [1, 1],
      [2, 0.5],
    ]);
    expect(s.batch.batch_loss).toEqual([
      [0, 2],
      [3, 1],
    ]);
    expect(pointCount(s)).toBe(5);
  });

  it('appends live events with the stored conventions and merges with refetched points', () => {
    const ev = (kind: 'batch' | 'epoch', epoch: number, batch: number, values: Record<string, number>): TrainingProgress => ({
      runId: 1,
      kind,
      epoch,
      epochs: 3,
      batch,
      batches: 4,
      values,
      structuresPerSecond: 1,
      eta: null,
      backend: 'cpu', workers: 1,
    });
    expect(batchStep({ epoch: 1, batch: 2, batches: 4 })).toBe(6);
    let s = emptySeries();
    s = appendProgress(s, ev('batch', 0, 0, { batch_loss: 1, lr: 0.01 }));
    s = appendProgress(s, ev('batch', 0, 1, { batch_loss: 0.8, lr: 0.01 }));
    s = appendProgress(s, ev('epoch', 0, 4, { train_loss: 0.9, val_loss: 1.1 }));
    expect(s.batch.batch_lr).toEqual([
      [0, 0.01],
      [1, 0.01],
    ]);
    expect(s.epoch.val_loss).toEqual([[1, 1.1]]);
    // a repeated step (resume) replaces the tail
    s = appendProgress(s, ev('batch', 0, 1, { batch_loss: 0.7 }));
    expect(s.batch.batch_loss).toEqual([
      [0, 1],
      [1, 0.7],
    ]);
    const stored = seriesFromPoints([mp('train_loss', 0, 0, 0.9)]);
    const live = appendProgress(emptySeries(), ev('epoch', 1, 4, { train_loss: 0.7 }));
    expect(mergeSeries(stored, live).epoch.train_loss).toEqual([
      [1, 0.9],
      [2, 0.7],
    ]);
  });

  it('groups keys for the charts', () => {
    const g = groupKeys(['train_loss', 'val_loss', 'val_mae', 'lr', 'batch_lr', 'epoch_seconds', 'structures_per_second', 'train_r2']);
    expect(g.loss).toEqual(['val_loss', 'train_loss']);
    expect(g.lr).toEqual(['batch_lr', 'lr']);
    expect(g.metrics).toEqual(['val_mae', 'train_r2']);
    expect(g.other).toEqual(['epoch_seconds', 'structures_per_second']);
  });

  it('the metrics chart shows the validation errors, or the training errors of a run without validation', () => {
    const withVal = seriesFromPoints([mp('val_mae', 0, 0, 0.2), mp('val_r2', 0, 0, 0.9), mp('train_mae', 0, 0, 0.1), mp('test_mae', 0, 0, 0.3)]);
    const keys = groupKeys(Object.keys(withVal.epoch)).metrics;
    expect(hiddenMetricKeys(keys, withVal.epoch)).toEqual(['val_r2', 'train_mae', 'test_mae']);
    // a 2-structure dataset: no validation series, so the training errors are shown (not every series hidden, a blank chart)
    const noVal = seriesFromPoints([mp('train_mae', 0, 0, 0.1), mp('train_rmse', 0, 0, 0.2), mp('train_r2', 0, 0, 0.5), mp('train_max_error', 0, 0, 0.4)]);
    const trainKeys = groupKeys(Object.keys(noVal.epoch)).metrics;
    expect(hiddenMetricKeys(trainKeys, noVal.epoch)).toEqual(['train_max_error', 'train_r2']);
    expect(hiddenMetricKeys([...trainKeys, 'val_mae'], { ...noVal.epoch, val_mae: [] })).toEqual(['train_max_error', 'train_r2', 'val_mae']);
  });
});

describe('runs table and comparison', () => {
  it('searches, filters and sorts with nulls last', () => {
    const runs = [runRecord(1, { tags: ['a'] }), runRecord(2, { status: 'interrupted', notes: 'try bigger batch' }), runRecord(3, { archived: true }), runRecord(4, { bestMetrics: {} })];
    const f = defaultFilter();
    expect(runs.filter((r) => matchesRun(r, f, [])).map((r) => r.id)).toEqual([1, 2, 4]);
    expect(runs.filter((r) => matchesRun(r, { ...f, search: 'bigger' }, [])).map((r) => r.id)).toEqual([2]);
    expect(runs.filter((r) => matchesRun(r, { ...f, tag: 'a' }, [])).map((r) => r.id)).toEqual([1]);
    expect(runs.filter((r) => matchesRun(r, { ...f, status: 'interrupted' }, [])).map((r) => r.id)).toEqual([2]);
    expect(sortRuns(runs, 'metric.val_mae', 'asc', []).map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(sortRuns(runs, 'metric.val_mae', 'desc', []).map((r) => r.id)).toEqual([3, 2, 1, 4]);
    expect(sortRuns(runs, 'duration', 'desc', []).map((r) => r.id)).toEqual([4, 3, 2, 1]);
    expect(canResume(runs[1])).toBe(true);
    expect(canResume(runs[0])).toBe(false);
  });

  it('bulk actions act on the selected runs shown only, and the delete question names them', () => {
    const runs = [runRecord(1), runRecord(2, { status: 'failed' }), runRecord(3), runRecord(4, { name: 'x'.repeat(140) }), runRecord(5)];
    const selected = new Set([1, 3, 4]);
    // every run selected, then the status filter "failed": none of the selected runs is shown, none is acted on
    const failed = runs.filter((r) => matchesRun(r, { ...defaultFilter(), status: 'failed' }, []));
    expect(visibleSelection(failed, selected)).toEqual([]);
    expect(visibleSelection(runs, selected).map((r) => r.id)).toEqual([1, 3, 4]);
    expect(deleteRunsQuestion([runs[0]])).toBe('Delete 1 run (#1 "run 1") with their metrics, checkpoints and predictions?');
    expect(deleteRunsQuestion(runs.slice(0, 2))).toBe('Delete 2 runs (#1 "run 1" and #2 "run 2") with their metrics, checkpoints and predictions?');
    // a few names (a long one cut), then how many more
    const q = deleteRunsQuestion(runs);
    expect(q).toBe(`Delete 5 runs (#1 "run 1", #2 "run 2", #3 "run 3" and 2 more) with their metrics, checkpoints and predictions?`);
    expect(deleteRunsQuestion(runs.slice(2, 4))).toBe(`Delete 2 runs (#3 "run 3" and #4 "${'x'.repeat(59)}…") with their metrics, checkpoints and predictions?`);
  });

  it('says where an external run ran, and finds it by "external"', () => {
    const local = runRecord(1);
    const ext = runRecord(2, {
      origin: 'external',
      external: { framework: 'PyTorch 2.3.1', hosts: ['gpu01', 'gpu02'], processes: 8, nodes: 2, device: 'cuda', devices: Array(8).fill('NVIDIA A100'), distributedBackend: 'nccl', slurmJob: '42', importedFrom: '/x', importedAt: '2026-12-07T05:20:45.956Z', exportedFrom: null },
    });
    expect(externalLabel(local)).toBeNull();
    expect(externalLabel(ext)).toBe('PyTorch 2.3.1: 8 processes on 2 nodes (gpu01, gpu02), cuda (NVIDIA A100), nccl, Slurm job 42');
    expect([local, ext].filter((r) => matchesRun(r, { ...defaultFilter(), search: 'external' }, [])).map((r) => r.id)).toEqual([2]);
  });

  it('a dropped export folder sends the files import-run reads: its own, its run\'s, and a potential\'s frames (not the rest of data/)', () => {
    const sent = ['exp/export.json', 'exp/initial.lwm', 'exp/run/best.lwm', 'exp/run/status.json', 'exp/data/dataset.extxyz', 'exp/data/potentials.bin', 'exp/train.py', 'exp/run/predictions.jsonl', 'exp/other.extxyz'].filter(isRunFolderFile);
    expect(sent).toEqual(['exp/export.json', 'exp/initial.lwm', 'exp/run/best.lwm', 'exp/run/status.json', 'exp/data/dataset.extxyz']);
  });

  it('says when a run has no validation structures, and only then', () => {
    expect(splitNotice(runRecord(1))).toBeNull();
    expect(splitNotice(runRecord(2, { split: null }))).toBeNull(); // not started yet
    expect(splitNotice(runRecord(3, { split: { train: 9, validation: 0, test: 1 } }))).toBe('No validation structures (9 training, 1 test): the best epoch is chosen on the training data, and the validation curves stay empty.');
  });

  it('shows the results of a finished run, and of a run stopped early that kept its best model so far', () => {
    const models = [{ runId: 2 }, { runId: null }];
    expect(runResults(runRecord(1), [])).toBe('finished');
    // "Stop and keep the best model so far": the run is cancelled with a model of its own
    const kept = runRecord(2, { status: 'cancelled', epochsDone: 7, epochsPlanned: 2000, bestMetrics: { best_epoch: 5, val_mae: 0.2, test_mae: 0.3 } });
    expect(runResults(kept, models)).toBe('stopped early');
    expect(stoppedEarlyNotice(kept)).toBe('Stopped early after 7 of 2,000 epochs: these are the results of the best model so far (epoch 6).');
    // "Stop and discard" keeps no model: nothing to show
    expect(runResults(runRecord(3, { status: 'cancelled' }), models)).toBeNull();
    expect(runResults(runRecord(2, { status: 'running' }), models)).toBeNull();
    expect(runResults(runRecord(2, { status: 'failed' }), models)).toBeNull();
  });

  it('a seed ensemble’s epochs read per member: "member 2/2 · epoch 2/2", best epoch "member 2, epoch 2"', () => {
    // 2 members × 2 epochs: stored and sent counting over the members (0 … 3)
    const ens = runRecord(1, { tags: ['potential', 'ensemble:2'], epochsDone: 4, epochsPlanned: 4, bestMetrics: { best_epoch: 3, val_energy_mae: 0.01 } });
    const live = (epoch: number, kind: 'batch' | 'epoch' = 'epoch') => ({ kind, epoch, epochs: 4, batch: 2, batches: 5, member: { index: Math.floor(epoch / 2), count: 2 } });
    expect(progressText(ens, live(1))).toBe('member 1/2 · epoch 2/2 done');
    expect(progressText(ens, live(2, 'batch'))).toBe('member 2/2 · epoch 1/2, batch 3/5');
    expect(progressText(ens, live(3))).toBe('member 2/2 · epoch 2/2 done');
    expect(progressText(ens, null)).toBe('4/4 epochs, 2 members × 2');
    expect(bestMetricText('best_epoch', ens)).toBe('member 2, epoch 2');
    expect(bestMetricText('best_epoch', { ...ens, bestMetrics: { best_epoch: 1 } })).toBe('member 1, epoch 2');
    expect(bestMetricText('val_energy_mae', ens)).toBe('0.01');
    expect(stoppedEarlyNotice({ ...ens, bestMetrics: { best_epoch: 2 } })).toBe('Stopped early after 4 of 4 epochs: these are the results of the best model so far (member 2, epoch 1).');
    // one model: as before, counted from 1
    const one = runRecord(2, { epochsDone: 2, epochsPlanned: 3, bestMetrics: { best_epoch: 1 } });
    expect(progressText(one, { kind: 'batch', epoch: 1, epochs: 3, batch: 0, batches: 4 })).toBe('epoch 2/3, batch 1/4');
    expect(progressText(one, null)).toBe('epoch 2/3');
    expect(bestMetricText('best_epoch', one)).toBe('2');
    expect(bestMetricText('val_mae', one)).toBe('—');
  });

  it('diffs configs and builds parallel coordinates', () => {
    const a = cgcnnPaper({ training: { epochs: 3 } });
    const b = cgcnnPaper({ training: { epochs: 5, optimizer: { kind: 'adam', lr: 0.001 } } });
    const diff = parameterDiff([a, b]);
    const paths = diff.map((d) => d.path);
    expect(paths).toContain('training.epochs');
    expect(paths).toContain('training.optimizer.kind');
    expect(paths).toContain('training.optimizer.beta1');
    expect(paths).not.toContain('model.atomFeatures');
    expect(diff.find((d) => d.path === 'training.epochs')?.values).toEqual([3, 5]);
    expect(flatten({ a: { b: 1, c: [1, 2] } })).toEqual({ 'a.b': 1, 'a.c': [1, 2] });
    const pd = parallelData([
      { name: 'A', config: a, bestMetrics: { val_mae: 0.2 } },
      { name: 'B', config: b, bestMetrics: { val_mae: 0.1 } },
    ]);
    expect(pd.dims.at(-1)).toEqual({ name: 'val_mae' });
    expect(pd.rows[1].values.at(-1)).toBe(0.1);
    const opt = parallelOption(pd.dims, pd.rows) as { parallelAxis: unknown[]; series: unknown[] };
    expect(opt.parallelAxis.length).toBe(pd.dims.length);
    expect(opt.series.length).toBe(2);
  });

  it('parallel coordinates fall back to key parameters when the configs are the same', () => {
    const c = cgcnnPaper();
    const pd = parallelData([
      { name: 'A', config: c, bestMetrics: { val_mae: 0.2 }, summary: { lr: 0.01, readout: 'mean', layers: 3 } },
      { name: 'B', config: c, bestMetrics: {}, summary: { lr: 0.01, readout: 'mean', layers: 3 } },
    ]);
    expect(pd.dims.map((d) => d.name)).toEqual(['lr', 'readout', 'layers', 'val_mae']);
    expect(pd.dims[1].categories).toEqual(['mean']);
    expect(pd.rows[1].values).toEqual([0.01, 'mean', 3, null]);
    // the title says the axes are parameters alike in every run, not "differing parameters"
    expect(pd.title).toBe('Parallel coordinates (0 differing parameters, 3 key parameters alike in every run, best metrics)');
    const lr = parallelData([
      { name: 'A', config: c, bestMetrics: { val_mae: 0.2 }, summary: { lr: 0.005, readout: 'mean', layers: 3 } },
      { name: 'B', config: c, bestMetrics: { val_mae: 0.1 }, summary: { lr: 0.001, readout: 'mean', layers: 3 } },
    ]);
    expect(lr.title).toBe('Parallel coordinates (1 differing parameter, 2 key parameters alike in every run, best metrics)');
  });

  it('results say in one line that the test split is empty, in place of empty plots', () => {
    const app = runRecord(1);
    const train: PredictionPoint[] = [
      { structureId: 1, name: 'a', split: 'train', target: 0, prediction: 0.1 },
      { structureId: 2, name: 'b', split: 'train', target: 1, prediction: 0.5 },
    ];
    expect(emptyResultsNotice(app, train, false)).toBe('No test structures: the run\'s test split is empty (tick "all splits" for its 2 predictions on the training and validation structures).');
    expect(emptyResultsNotice(app, train, true)).toBeNull();
    expect(emptyResultsNotice(app, [...train, { ...train[0], split: 'test' }], false)).toBeNull();
    expect(emptyResultsNotice(app, [], false)).toBe('No predictions were stored for this run.');
    expect(emptyResultsNotice(app, [], true)).toBe('No predictions were stored for this run.');
  });

  it('results of a run trained on the command line or in PyTorch say that it stored no predictions, not that its test split is empty', () => {
    const cli = runRecord(2, { tags: ['cli'], split: { train: 16, validation: 2, test: 2 }, bestMetrics: { val_mae: 0.2, test_mae: 0.1265 } });
    const cliText = 'No predictions were stored for this run: it was trained on the command line (latticework train --db records its metrics and model, not its predictions).';
    expect(emptyResultsNotice(cli, [], false)).toBe(cliText);
    expect(emptyResultsNotice(cli, [], true)).toBe(cliText);
    const ext = runRecord(3, {
      origin: 'external',
      external: { framework: 'PyTorch 1.13.1', hosts: ['n1'], processes: 2, nodes: 1, device: 'cpu', devices: [], distributedBackend: 'gloo', slurmJob: null, importedFrom: '/scratch/exp1', importedAt: '2026-12-07T05:20:45.956Z', exportedFrom: null },
    });
    expect(emptyResultsNotice(ext, [], false)).toBe(
      'No predictions were stored for this run: it was trained in PyTorch and imported, which keeps its metrics and model. Its predictions are in run/predictions.jsonl of the export folder /scratch/exp1.',
    );
  });

  it('analyses predictions: MAE, RMSE, R², worst first', () => {
    const pts: PredictionPoint[] = [
      { structureId: 1, name: 'a', split: 'test', target: 0, prediction: 0.1 },
      { structureId: 2, name: 'b', split: 'test', target: 1, prediction: 0.5 },
      { structureId: 3, name: 'c', split: 'test', target: 2, prediction: 2 },
    ];
    const a = analysePredictions(pts, 2);
    expect(a.mae).toBeCloseTo(0.2);
    expect(a.rmse).toBeCloseTo(Math.sqrt((0.01 + 0.25) / 3));
    expect(a.r2).toBeCloseTo(1 - 0.26 / 2);
    expect(a.worst.map((w) => w.structureId)).toEqual([2, 1]);
  });
});

describe('chart options', () => {
  it('say a chart in words for a screen reader: its name, what it plots against what, its series and points, or why it is empty', () => {
    const loss = { xAxis: { name: 'epoch' }, yAxis: { name: 'loss' }, series: [{ name: 'train' }, { name: 'validation' }] };
    expect(chartDescription('Loss per epoch', loss, 24, null)).toBe('Loss per epoch: loss against epoch; series train, validation; 24 points');
    expect(chartDescription('Loss per epoch', loss, 0, 'waiting for the first epoch…')).toBe('Loss per epoch: waiting for the first epoch…');
    expect(chartDescription('Target histogram', histogramOption(histogram([1, 2, 3], 3), 'band gap (eV)'), 3, null)).toBe('Target histogram: count against band gap (eV); 3 points');
    expect(chartDescription('Over-smoothing', { series: [] }, undefined, null)).toBe('Over-smoothing');
  });

  it("names a trajectory's frames from 0, as the command line takes them back (`--frames 100:101`), on the chart's axis and marker too", () => {
    // an MD run of 1000 steps, a frame every 10: 101 frames, indices 0–100
    expect(frameLabel(100, 101)).toBe('frame 100 of 0–100');
    expect(frameLabel(97)).toBe('frame 97');
    const option = trajectoryOption([{ name: 'energy', unit: 'eV', values: [-3, -2.9, -2.8] }], 2) as { series: { data: [number, number][]; markLine: { label: { formatter: string }; data: { xAxis: number }[] } }[] };
    const [energy] = option.series;
    expect(energy.data.map(([x]) => x)).toEqual([0, 1, 2]);
    expect(energy.markLine.label.formatter).toBe('frame 2');
    expect(energy.markLine.data[0].xAxis).toBe(2);
  });

  it('axis ticks are labelled apart: an MD run\'s energies and temperatures, a loss on a log axis', () => {
    const option = lineOption([{ name: 'E', data: [[0, -1745.4], [1, -1745.0]] }, { name: 'T', data: [[0, 1440], [1, 1450]], axis: 1 }], { xName: 'frame' }) as { yAxis: { axisLabel: { formatter: (v: number) => string } }[] };
    const [energy, temperature] = option.yAxis.map((a) => a.axisLabel.formatter);
    // they all read "-1750", and "1400", "1400", "1500"
    expect([-1745.4, -1745.2, -1745.0000000000002].map(energy)).toEqual(['-1745.4', '-1745.2', '-1745']);
    expect([1440, 1445, 1450].map(temperature)).toEqual(['1440', '1445', '1450']);
    expect([0.30000000000000004, 0, 2.5e-4, 1e-4, 123456].map(tickText)).toEqual(['0.3', '0', '2.5e-4', '1e-4', '1.23456e+5']);
  });

  it('tooltips show names from the user\'s data as typed, never as markup (ECharts sets a formatter\'s text as HTML)', () => {
    const name = '<b id="x" style="color:red">1</b><img src=/x>&';
    const shown = '&#60;b id=&#34;x&#34; style=&#34;color:red&#34;&#62;1&#60;/b&#62;&#60;img src=/x&#62;&#38;';
    const parity = parityOption([{ target: 1, prediction: 2, name, split: 'test' }], 'eV') as { tooltip: { formatter: (p: { data: [number, number, string] }) => string } };
    expect(parity.tooltip.formatter({ data: [1, 2, name] })).toBe(`${shown}<br/>true 1<br/>predicted 2`);
    const parallel = parallelOption([{ name: 'val_mae' }], [{ name, values: [1] }]) as { tooltip: { formatter: (p: { seriesName: string }) => string } };
    expect(parallel.tooltip.formatter({ seriesName: name })).toBe(shown);
  });
  it('a run’s many metric series get a legend wrapped onto rows, never paged, with the plot under it', () => {
    const names = ['train_loss', 'val_loss', 'train_mae', 'val_mae', 'train_rmse', 'val_rmse', 'train_r2', 'val_r2', 'train_max_error', 'val_max_error', 'test_mae', 'lr'];
    const series = names.map((name) => ({ name, data: [[1, 1]] as [number, number][] }));
    const measure = (t: string) => 6 * t.length;
    const option = lineOption(series, { xName: 'epoch' }) as { legend: { type: string; left: number; right: number }; grid: { top: number } };
    expect(option.legend.type).toBe('plain');
    // 480 px wide: items of 30 px + 6 px per letter and 10 px gaps, wrapped where the next would not fit
    const width = 480;
    const available = width - option.legend.left - option.legend.right;
    const rows = legendRows(names.map(measure), available);
    let row = 0;
    let x = 0;
    for (const n of names) {
      const w = 30 + measure(n);
      if (x > 0 && x + w > available) [row, x] = [row + 1, 0];
      expect(x + w).toBeLessThanOrEqual(available);
      x += w + 10;
    }
    expect(rows).toBe(row + 1);
    expect(rows).toBeGreaterThan(2);
    const fitted = fitLegend(option, width, measure) as { grid: { top: number } };
    expect(fitted.grid.top).toBe(4 + rows * LEGEND_ROW + LEGEND_CLEARANCE);
    // wide enough for one row: the plot starts under that row and the y axis' title
    const wide = fitLegend(option, 4000, measure) as { grid: { top: number } };
    expect(legendRows(names.map(measure), 4000 - option.legend.left - option.legend.right)).toBe(1);
    expect(wide.grid.top).toBe(4 + LEGEND_ROW + LEGEND_CLEARANCE);
    expect(fitted.grid.top).toBeGreaterThan(wide.grid.top);
  });
  it('the parallel-coordinates legend (one entry per compared run) wraps onto rows, never paged, with the axes and their names under it', () => {
    const runs = Array.from({ length: 12 }, (_, i) => ({ name: `run ${i + 1}: cgcnn on mp-formation-energy`, values: [i, 0.1 * i] }));
    const option = parallelOption([{ name: 'config.model.cutoff' }, { name: 'val_mae' }], runs) as { legend: { type: string; top: number; left: number; right: number }; parallel: { top: number } };
    expect(option.legend.type).toBe('plain');
    const measure = (t: string) => 6 * t.length;
    const width = 700;
    const rows = legendRows(runs.map((r) => measure(r.name)), width - option.legend.left - option.legend.right);
    expect(rows).toBeGreaterThan(3);
    const fitted = fitLegend(option, width, measure) as { parallel: { top: number }; legend: { type: string } };
    expect(fitted.legend.type).toBe('plain');
    expect(fitted.parallel.top).toBe(option.legend.top + rows * LEGEND_ROW + PARALLEL_LEGEND_CLEARANCE);
    // two runs on one row: the axes stay where they were
    const two = parallelOption([{ name: 'val_mae' }], runs.slice(0, 2));
    expect((fitLegend(two, width, measure) as { parallel: { top: number } }).parallel.top).toBe((two as { parallel: { top: number } }).parallel.top);
  });
  it('parallel coordinates draw a missing value at a "missing" mark under the axis’ real values, never at a number', () => {
    // one run of three has a validation R² (the others had no validation structures)
    const pd = parallelData([
      { name: 'A', config: cgcnnPaper({ training: { epochs: 3 } }), bestMetrics: { val_mae: 0.3, val_r2: 0.81 } },
      { name: 'B', config: cgcnnPaper({ training: { epochs: 5 } }), bestMetrics: { val_mae: 2.9 } },
      { name: 'C', config: cgcnnPaper({ training: { epochs: 7 } }), bestMetrics: { val_mae: 3.3 } },
    ]);
    const r2 = pd.dims.findIndex((d) => d.name === 'val_r2');
    const mae = pd.dims.findIndex((d) => d.name === 'val_mae');
    expect(pd.rows.map((r) => r.values[r2])).toEqual([0.81, null, null]);
    type Axis = { type: string; min: number; max: number; interval: number; scale?: boolean; axisLabel: { formatter(v: number): string } };
    const o = parallelOption(pd.dims, pd.rows) as { parallelAxis: Axis[]; series: { data: (number | string)[][] }[] };
    const axis = o.parallelAxis[r2];
    // the axis' values span the one real R² on round ticks; one tick under them is the "missing" mark
    const real = niceRange(0.81, 0.81);
    expect(axis.max).toBe(real.max);
    expect(axis.interval).toBe(real.interval);
    expect(axis.min).toBeCloseTo(real.min - real.interval, 12);
    expect(axis.axisLabel.formatter(axis.min)).toBe(PARALLEL_MISSING);
    expect(axis.axisLabel.formatter(real.min)).not.toBe(PARALLEL_MISSING);
    const drawn = o.series.map((s) => s.data[0][r2]);
    expect(drawn[0]).toBe(0.81);
    expect(drawn[1]).toBe(axis.min);
    expect(drawn[2]).toBe(axis.min);
    // every value drawn is a number on its axis, between its ends: none left empty for ECharts to join across the axis
    for (const s of o.series)
      s.data[0].forEach((v, j) => {
        if (pd.dims[j].categories) return;
        expect(typeof v).toBe('number');
        expect(v as number).toBeGreaterThanOrEqual(o.parallelAxis[j].min - 1e-12);
        expect(v as number).toBeLessThanOrEqual(o.parallelAxis[j].max + 1e-12);
      });
    // an axis every run has a value on has no "missing" mark: its range is its values'
    const maeAxis = o.parallelAxis[mae];
    expect([maeAxis.min, maeAxis.max]).toEqual([niceRange(0.3, 3.3).min, niceRange(0.3, 3.3).max]);
    expect(maeAxis.axisLabel.formatter(maeAxis.min)).not.toBe(PARALLEL_MISSING);
  });
  it('line, parity and histogram options carry the data', () => {
    const l = lineOption([{ name: 'x', data: [[1, 2]] }], { xName: 'epoch', hidden: ['x'] }) as { series: { data: unknown }[]; legend: { selected: Record<string, boolean> } };
    expect(l.series[0].data).toEqual([[1, 2]]);
    expect(l.legend.selected).toEqual({ x: false });
    const p = parityOption([{ target: 1, prediction: 2, name: 'a', split: 'test' }], 'eV') as { series: { name: string }[] };
    expect(p.series.map((s) => s.name)).toEqual(['test', 'y = x']);
    const h = histogram([0, 0.5, 1, 1], 2);
    expect(h).toEqual({ edges: [0, 0.5, 1], counts: [1, 3] });
    const ho = histogramOption(h, 'x') as { series: { data: number[] }[]; grid: { top: number } };
    expect(ho.series[0].data).toEqual([1, 3]);
    // the "count" title above the plot fits: ECharts draws it 15 px (nameGap) above the axis, 11 px tall
    expect(ho.grid.top).toBeGreaterThanOrEqual(15 + 11 + 4);
    // counts with their noun, singular for one
    const sg = spaceGroupOption([{ number: 225, symbol: 'Fm-3m', crystalSystem: 'cubic', count: 1 }]) as { tooltip: { formatter(ps: { dataIndex: number; value: number }[]): string } };
    expect(sg.tooltip.formatter([{ dataIndex: 0, value: 1 }])).toMatch(/<br\/>1 structure$/);
  });

  it('parity plots: equal ranges on round ticks, a grid that is square in a square chart, titles with the target and units', () => {
    const pts = [
      { target: -0.0548, prediction: 0.02, name: 'a', split: 'test' },
      { target: 0.738, prediction: 0.69, name: 'b', split: 'test' },
    ];
    type Axis = { min: number; max: number; interval: number; name: string };
    const o = parityOption(pts, 'eV/atom', 'energy_per_atom') as { xAxis: Axis; yAxis: Axis; grid: { left: number; right: number; top: number; bottom: number } };
    expect([o.xAxis.min, o.xAxis.max, o.xAxis.interval]).toEqual([-0.2, 0.8, 0.2]);
    expect([o.yAxis.min, o.yAxis.max, o.yAxis.interval]).toEqual([o.xAxis.min, o.xAxis.max, o.xAxis.interval]);
    expect(o.grid.left + o.grid.right).toBe(o.grid.top + o.grid.bottom);
    expect(o.xAxis.name).toBe('true energy_per_atom (eV/atom)');
    expect(o.yAxis.name).toBe('predicted energy_per_atom (eV/atom)');
    expect((parityOption(pts, '') as { xAxis: Axis }).xAxis.name).toBe('true (no unit set at import)');
    // a point is never on an axis line: one test structure of true value 2 (a round number) predicted
    // 5.591, and one predicted exactly, lie inside the range
    for (const [target, prediction] of [[2, 5.591], [3, 3], [-0.2, 0.8]]) {
      const one = parityOption([{ target, prediction, name: 'a', split: 'test' }], 'eV') as { xAxis: Axis };
      expect(one.xAxis.min).toBeLessThan(Math.min(target, prediction));
      expect(one.xAxis.max).toBeGreaterThan(Math.max(target, prediction));
    }
    // every tick is a round number: no long decimals
    for (const [lo, hi] of [[-0.0548, 0.738], [0.1, 0.3], [1234, 98765], [-3e-4, 2e-4], [5, 5]]) {
      const r = niceRange(lo, hi);
      expect(r.min).toBeLessThanOrEqual(Math.min(lo, hi));
      expect(r.max).toBeGreaterThanOrEqual(Math.max(lo, hi));
      const n = Math.round((r.max - r.min) / r.interval);
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(10);
      expect(/^(1|2|2\.5|5)e[-+]\d+$/.test(r.interval.toExponential().replace(/\.0+e/, 'e'))).toBe(true);
      // the ends are whole multiples of the step, so every tick min + k·step is too
      for (const end of [r.min, r.max]) expect(Math.abs(end / r.interval - Math.round(end / r.interval))).toBeLessThan(1e-9);
    }
  });

  it('names the units of the usual targets and says when it cannot', () => {
    expect(targetUnit('energy_per_atom')).toBe('eV/atom');
    expect(targetUnit('formation_energy_per_atom')).toBe('eV/atom');
    expect(targetUnit('energy')).toBe('eV');
    expect(targetUnit('band_gap')).toBe('eV');
    expect(targetUnit('forces')).toBe('eV/Å');
    expect(targetUnit('a')).toBe('');
    // the unit a name states (a CSV header that says it) before a known name's; an index is not a unit
    expect(targetUnit('band_gap (eV)')).toBe('eV');
    expect(targetUnit('kappa [W/m/K]')).toBe('W/m/K');
    expect(targetUnit('Tc (K)')).toBe('K');
    expect(targetUnit('forces[2]')).toBe('eV/Å');
  });

  it('per-atom colours: one per displayed image, diverging around white', () => {
    expect(divergingRgb(0, 1).map((c) => Math.round(c * 255))).toEqual([247, 247, 247]);
    const c = perAtomColors([1, -1], [0, 1, 0]);
    expect(c.length).toBe(9);
    expect(c[0]).toBeGreaterThan(c[2]); // red for positive
    expect(c[5]).toBeGreaterThan(c[3]); // blue for negative
    expect(c[6]).toBe(c[0]);
  });
});

describe('estimates and formatting', () => {
  // CGCNN paper defaults on the EMT alloys: 14 atoms and 12 edges per atom (graph statistics)
  const base = {
    layerParams: 22_000,
    numLayers: 3,
    otherParams: 15_000,
    totalParams: 81_000,
    atomFeatures: 64,
    edgeFeatures: 41,
    atomInputLength: 92,
    batchSize: 256,
    optimizer: 'sgd',
    trainStructures: 1600,
    valStructures: 200,
    atomsPerStructure: 14,
    edgesPerAtom: 12,
    backend: 'wasm',
  };
  const flopsPerStructure = 6 * (22_000 * 3 * 14 * 12 + 15_000 * 14);
  const wasm = BACKEND_COSTS.wasm;

  it('scales with the data and the batch', () => {
    const e = estimateCost(base);
    expect(e.flopsPerStructure).toBe(flopsPerStructure);
    // the training structures forward and backward, the validation structures forward (a third)
    expect(e.flopsPerEpoch).toBeCloseTo(flopsPerStructure * (1600 + 200 / 3));
    // 7 training batches of 256 (the last partial) and 1 validation batch
    expect(e.batchesPerEpoch).toBe(8);
    expect(e.secondsPerEpoch).toBeCloseTo(e.flopsPerEpoch / (wasm.gflops * 1e9) + 8 * wasm.batchSeconds + wasm.epochSeconds, 12);
    expect(estimateCost({ ...base, optimizer: 'adam' }).paramBytes).toBe(81_000 * 4 * 4);
    expect(scaleBatchBytes([{ batchSize: 32, bytes: 100 }, { batchSize: 256, bytes: 800 }], 128)).toBe(400);
    // a calibrated speed is a measured ratio: shown to 3 significant digits, as the work beside it, not as "0.8948355141322437 GFLOP/s";
    // the fixed costs are said with it
    const calibrated = estimateCost({ ...base, valStructures: 0, gflops: 0.8948355141322437 });
    expect(estimateExplanation(calibrated)).toMatch(
      /^108 GFLOP per epoch at 0\.895 GFLOP\/s \(.*\) \+ 7 training and validation batches × 25 ms \(each batch’s fixed cost: .*\) \+ 60 ms per epoch \(validation set-up, recording, checkpoint\); memory = /,
    );
  });

  it('a small dataset’s epoch is mostly the fixed costs of its batches and of the epoch, not its arithmetic', () => {
    // 20 structures of the EMT set (16 training, 2 validation), batch 256: measured ~0.1–0.2 s per epoch where FLOPs alone said 0.03 s
    const tiny = estimateCost({ ...base, trainStructures: 16, valStructures: 2 });
    const arithmetic = tiny.flopsPerEpoch / (wasm.gflops * 1e9);
    expect(arithmetic).toBeLessThan(0.05);
    expect(tiny.batchesPerEpoch).toBe(2);
    expect(tiny.secondsPerEpoch).toBeCloseTo(arithmetic + 2 * wasm.batchSeconds + wasm.epochSeconds, 12);
    expect(tiny.secondsPerEpoch).toBeGreaterThan(3 * arithmetic);
    // the same data in batches of one: 18 batches, each with its fixed cost, for the same arithmetic
    const single = estimateCost({ ...base, trainStructures: 16, valStructures: 2, batchSize: 1 });
    expect(single.flopsPerEpoch).toBe(tiny.flopsPerEpoch);
    expect(single.secondsPerEpoch - tiny.secondsPerEpoch).toBeCloseTo(16 * wasm.batchSeconds, 12);
    // twice the data at the same batch size: twice the arithmetic, the fixed costs of the epoch once
    const big = estimateCost({ ...base, batchSize: 1 });
    const twice = estimateCost({ ...base, trainStructures: 3200, valStructures: 400, batchSize: 1 });
    expect(twice.secondsPerEpoch - wasm.epochSeconds).toBeCloseTo(2 * (big.secondsPerEpoch - wasm.epochSeconds), 9);
    // every backend has all three costs (the tensorflow ones assumed)
    for (const c of Object.values(BACKEND_COSTS)) expect(Math.min(c.gflops, c.batchSeconds, c.epochSeconds)).toBeGreaterThan(0);
    expect(estimateCost({ ...base, backend: 'unknown' }).gflops).toBe(BACKEND_COSTS.cpu.gflops);
  });

  it('100,000 layers need more memory than the machine has: Train… is refused and says why', () => {
    const machine = 16e9;
    const graph = { cutoff: 8, maxNeighbors: 12, gaussian: { dmin: 0, step: 0.2, width: 0.2 }, cgcnnPadding: false };
    expect(memoryProblem(estimateCost(base), machine, base, graph)).toBeNull();
    const layers = { ...base, numLayers: 100_000, totalParams: 22_000 * 100_000 + 15_000 };
    const huge = estimateCost(layers);
    expect(memoryProblem(huge, machine, layers, graph)).toMatch(/^the training memory estimate \(~[\d.]+ TB\) exceeds this machine’s memory \(16.0 GB\): fewer layers, narrower features or a smaller batch$/);
    expect(memoryProblem(huge, undefined, layers, graph)).toBeNull();
  });

  it('a huge cutoff (5 million Gaussian features per edge) or no neighbour cap: the warning names the edges and the graph settings, not the layers', () => {
    const base = { layerParams: 22_000, numLayers: 3, otherParams: 15_000, totalParams: 81_000, atomFeatures: 64, edgeFeatures: 41, atomInputLength: 92, batchSize: 256, optimizer: 'sgd', trainStructures: 1600, valStructures: 200, atomsPerStructure: 14, edgesPerAtom: 12, backend: 'wasm' };
    const machine = 25.3e9;
    // the tester's Models form: cutoff 10⁶ Å, dmax empty (the cutoff), step 0.2 Å: 5,000,001 centres
    const far = { ...base, edgeFeatures: 5_000_001, layerParams: 128 * (128 + 5_000_001), totalParams: 3 * 128 * (128 + 5_000_001) + 15_000 };
    const graph = { cutoff: 1e6, maxNeighbors: 12, gaussian: { dmin: 0, step: 0.2, width: 0.2 }, cgcnnPadding: false };
    expect(memoryProblem(estimateCost(far), machine, far, graph)).toMatch(
      /^the training memory estimate \(~[\d.]+ TB\) exceeds this machine’s memory \(25.3 GB\), most of it for the edges: 12 per atom, each with 5,000,001 Gaussian features \(centres every 0.2 Å up to 1000000 Å, the cutoff\): a smaller cutoff \(graph.cutoff\) or gaussian.dmax, a larger gaussian.step, fewer neighbours \(graph.maxNeighbors\) or a smaller batch$/,
    );
    // 30 Å with no neighbour cap: ~9,600 neighbours per atom of a metal
    const crowded = { ...base, edgeFeatures: 151, edgesPerAtom: 9600 };
    const all = { cutoff: 30, maxNeighbors: 0, gaussian: { dmin: 0, step: 0.2, width: 0.2 }, cgcnnPadding: false };
    expect(memoryProblem(estimateCost(crowded), machine, crowded, all)).toMatch(/most of it for the edges: 9600 per atom, each with 151 Gaussian features \(centres every 0.2 Å up to 30 Å, the cutoff\)/);
  });

  it('a calibrated estimate: the speed a run measured after its first epoch, its batches’ fixed cost taken off', () => {
    // a run of the same model in batches of 64 (25 training batches) whose arithmetic took 1/500 s per structure after its first
    // epoch: its structures/s also count its batches' fixed cost (300 in its first epoch: warm-up)
    const run = { trainStructures: 1600, batchSize: 64 };
    const rate = (arithmeticPerStructure: number) => 1 / (arithmeticPerStructure + (25 * wasm.batchSeconds) / 1600);
    const gflops = calibratedGflops(flopsPerStructure, [300, rate(1 / 520), rate(1 / 500), rate(1 / 480)], run, wasm.batchSeconds)!;
    expect(gflops).toBeCloseTo((flopsPerStructure * 500) / 1e9, 6);
    const e = estimateCost({ ...base, batchSize: 64, gflops });
    expect(e.gflops).toBe(gflops);
    // the same configuration: the run's measured training time (1,600 structures at its structures/s), + the validation pass
    // (200 forward at the calibrated speed, 4 batches) + the epoch's fixed cost
    expect(e.secondsPerEpoch).toBeCloseTo(1600 / rate(1 / 500) + 200 / 3 / 500 + 4 * wasm.batchSeconds + wasm.epochSeconds, 9);
    // twice the machine's load, half the arithmetic's speed
    const loaded = calibratedGflops(flopsPerStructure, [150, rate(2 / 520), rate(2 / 500), rate(2 / 480)], run, wasm.batchSeconds)!;
    expect(loaded).toBeCloseTo(gflops / 2, 6);
    // no calibration: the assumed speed of the backend
    expect(estimateCost({ ...base, gflops: null }).gflops).toBe(wasm.gflops);
    // a run with only its first epoch calibrates nothing
    expect(calibratedGflops(flopsPerStructure, [300], run, wasm.batchSeconds)).toBeNull();
    // nor does a run whose time is nearly all its batches' fixed cost (16 structures in batches of 1: 25 ms each, 27 ms measured)
    expect(calibratedGflops(flopsPerStructure, [30, 1 / 0.027, 1 / 0.027], { trainStructures: 16, batchSize: 1 }, wasm.batchSeconds)).toBeNull();
    // the median of the epochs after the first
    expect(calibratedGflops(flopsPerStructure, [300, rate(1 / 400), rate(1 / 600), rate(1 / 500)], run, wasm.batchSeconds)).toBeCloseTo((flopsPerStructure * 500) / 1e9, 6);
  });

  it('formats', () => {
    expect(fmtNum(0.123456)).toBe('0.1235');
    expect(fmtBytes(1_110_000)).toBe('1.11 MB');
    expect(fmtDuration(165)).toBe('2 min 45 s');
    expect(fmtDuration(4.24)).toBe('4.2 s');
    // the estimate for a tiny dataset says how small, not "0.0 s"
    expect(fmtDuration(0.0234)).toBe('0.02 s');
    expect(fmtDuration(0)).toBe('0 s');
  });

  it('shows an error as its message, without the class name, and never as nothing', () => {
    // as errors cross the boundary: RemoteError carries the core's class as its name
    const remote = (name: string, message: string) => Object.assign(new Error(message), { name });
    expect(errorMessage(remote('UserError', '1507756: EMT has no parameters for Ba, Ti'))).toBe('1507756: EMT has no parameters for Ba, Ti');
    expect(errorMessage({ name: 'StructureParseError', message: "line 3: _cell_length_b is 'abc', not a number", line: 3 })).toBe("line 3: _cell_length_b is 'abc', not a number");
    expect(errorMessage('the host closed')).toBe('the host closed');
    // without a message: its own name, or that it had none
    expect(errorMessage(remote('TimeoutError', ''))).toBe('TimeoutError (without a message)');
    expect(errorMessage(new Error(''))).toBe('an error without a message');
    expect(errorMessage({ name: 'FileAccessError', message: '  ' })).toBe('FileAccessError (without a message)');
    expect(errorMessage(undefined)).toBe('an error without a message');
    expect(errorMessage(42)).toBe('42');
  });

  it("names a file failure's line once, whether its message names it or not", () => {
    expect(fileErrorText({ message: 'line 49: the Properties of frame 1 give 7 columns but this atom line has 1', line: 49 })).toBe('line 49: the Properties of frame 1 give 7 columns but this atom line has 1');
    expect(fileErrorText({ message: 'expected 3 numbers', line: 7 })).toBe('line 7: expected 3 numbers');
    expect(fileErrorText({ message: 'frame 0 of vasprun.xml: its forces hold values that are not numbers', line: null })).toBe('frame 0 of vasprun.xml: its forces hold values that are not numbers');
  });

  it('strips the dropped folder name from dataset file names', () => {
    expect(stripCommonFolder([{ name: 'cgcnn/id_prop.csv', text: '' }, { name: 'cgcnn/a.cif', text: '' }]).map((f) => f.name)).toEqual(['id_prop.csv', 'a.cif']);
    expect(stripCommonFolder([{ name: 'id_prop.csv', text: '' }, { name: 'a.cif', text: '' }]).map((f) => f.name)).toEqual(['id_prop.csv', 'a.cif']);
  });

  it('the window’s drop overlay is not shown over a drop zone that takes the drop itself', () => {
    // an element whose ancestors are [zone] (the dataset import's FileDropZone) or none
    const el = (zone: boolean) => ({ closest: (selector: string) => (selector === '[data-drop-zone]' && zone ? {} : null) });
    expect(inOwnDropZone(el(true) as unknown as EventTarget)).toBe(true);
    expect(inOwnDropZone(el(false) as unknown as EventTarget)).toBe(false);
    expect(inOwnDropZone(null)).toBe(false);
  });

  it('the dataset list says what the import’s bar says while it runs', () => {
    expect(importLine('importing', 0, 'read 300 of 2000 frames')).toBe('importing · read 300 of 2000 frames');
    expect(importLine('importing', 0, null)).toBe('importing · 0 structures stored so far');
    expect(importLine('interrupted', 1, null)).toBe('import interrupted · 1 structure stored so far');
  });
});

describe('prediction units', () => {
  it('moduli in log₁₀ GPa are shown in GPa too; a classifier names its class', async () => {
    const { predictionUnit } = await import('../../src-renderer/lib/format');
    expect(predictionUnit(2, 'log(GPa)', 'CGCNN bulk modulus')).toEqual({ unit: 'log₁₀ GPa', converted: '100 GPa' });
    expect(predictionUnit(0.8, 'probability', 'CGCNN metal/semiconductor')).toEqual({ unit: 'P(metal)', converted: null });
    expect(predictionUnit(1.2, 'eV', 'CGCNN band gap')).toEqual({ unit: 'eV', converted: null });
  });
});

describe('what the newcomer’s tour found (issue 17)', () => {
  it('a model’s line names its unit as shown and leaves out the empty parts (no “· ·”)', async () => {
    const { modelSummary } = await import('../../src-renderer/lib/format');
    expect(modelSummary({ name: 'CGCNN bulk modulus', target: 'Bulk modulus K_VRH', units: 'log(GPa)', architecture: 'cgcnn' })).toBe('Bulk modulus K_VRH · log₁₀ GPa · cgcnn');
    expect(modelSummary({ name: 'CGCNN Poisson ratio', target: 'Poisson ratio', units: '', architecture: 'cgcnn' })).toBe('Poisson ratio · cgcnn');
    expect(modelSummary({ name: 'CGCNN metal/semiconductor', target: 'metal', units: 'probability', architecture: 'cgcnn' })).toBe('metal · P(metal) · cgcnn');
  });

  it('training curves, run summaries and the comparison name keys as people do', async () => {
    const { columnLabel, parameterLabel } = await import('../../src-renderer/lib/runs');
    expect(['val_maxError', 'test_maxError', 'train_r2', 'batch_loss', 'batch_lr', 'lr', 'batchSize', 'duplicatesAcrossSplits', 'maxNeighbors'].map(columnLabel)).toEqual([
      'validation max error',
      'test max error',
      'training R²',
      'loss per batch',
      'learning rate',
      'learning rate',
      'batch size',
      'leaks across splits',
      'max neighbours',
    ]);
    expect(parameterLabel('training.batchSize')).toBe('training › batch size');
    expect(parameterLabel('graph.maxNeighbors')).toBe('graph › max neighbours');
  });

  it("parallel axes' labels never overlap their neighbours': category labels cut to the gap between axes, names (alternating above and below) to two gaps", () => {
    // 14 axes as in a comparison of a SchNet and a CGCNN run, in a chart 1150 px wide
    const dims = [
      { name: 'architecture', categories: ['cgcnn', 'schnet'] },
      { name: 'graph.cgcnnPadding', categories: ['false', 'true'] },
      ...['graph.cutoff', 'graph.gaussian.step', 'graph.gaussian.width', 'graph.maxNeighbors'].map((name) => ({ name })),
      { name: 'model.activation', categories: ['shifted-softplus', 'softplus'] },
      { name: 'model.aggregation', categories: ['sum', '—'] },
      ...['validation loss', 'validation MAE', 'validation max error', 'validation R²', 'validation RMSE', 'test MAE'].map((name) => ({ name })),
    ];
    const rows = [{ name: 'a', values: dims.map(() => null) }];
    const width = 1150;
    const plain = parallelOption(dims, rows) as { parallel: { left: number; right: number } };
    const gap = (width - plain.parallel.left - plain.parallel.right) / (dims.length - 1);
    const measure = (t: string) => 6.5 * t.length; // 11 px text
    type Axis = { name: string; nameTruncate: { maxWidth: number }; axisLabel: { width: number; overflow: string } };
    const fitted = fitParallelAxes(parallelOption(dims, rows), width) as { parallelAxis: Axis[] };
    for (const a of fitted.parallelAxis) {
      expect(a.axisLabel.overflow).toBe('truncate');
      expect(8 + a.axisLabel.width).toBeLessThan(gap); // the label starts 8 px right of its axis
      expect(a.nameTruncate.maxWidth).toBeLessThan(2 * gap);
    }
    expect(measure('shifted-softplus')).toBeGreaterThan(fitted.parallelAxis[6].axisLabel.width); // cut, not drawn over "sum"
    // names are not cut to a fixed number of characters: "validation loss" fits in two gaps
    expect(fitted.parallelAxis[8].name).toBe('validation loss');
    expect(measure('validation loss')).toBeLessThan(fitted.parallelAxis[8].nameTruncate.maxWidth);
  });

  it('the per-atom bar chart keeps few, non-overlapping ticks and titles its axis with the unit under it', async () => {
    const { perAtomOption } = await import('../../src-renderer/lib/charts');
    const o = perAtomOption(['Na0', 'Cl1'], [0.16, 0.18], 'log₁₀ GPa') as { xAxis: { name: string; nameLocation: string; splitNumber: number; axisLabel: { hideOverlap: boolean } } };
    expect(o.xAxis.name).toBe('contribution (log₁₀ GPa)');
    expect(o.xAxis.nameLocation).toBe('middle');
    expect(o.xAxis.splitNumber).toBeLessThanOrEqual(3);
    expect(o.xAxis.axisLabel.hideOverlap).toBe(true);
    // a model trained on data without a unit: no empty brackets
    expect((perAtomOption(['Na0'], [0.1], '') as { xAxis: { name: string } }).xAxis.name).toBe('contribution');
  });

  it('the model form labels the Gaussian, the head and the learning rate in words, with units', () => {
    const cgcnn = schema.type === 'union' ? schema.variants.find((v) => v.value === 'cgcnn')! : null;
    const labels = JSON.stringify(cgcnn);
    for (const raw of ['"Num targets"', '"Lr"', '"Dmin"']) expect(labels).not.toContain(raw);
    for (const human of ['"Targets"', '"Learning rate"', '"dmin (Å)"', '"Step (Å)"', '"Width (Å)"']) expect(labels).toContain(human);
  });
});

describe('datasets of the same name', () => {
  it('are told apart by id and import time where they are listed; a name of its own is shown alone', () => {
    const at = new Date(2026, 11, 7, 17, 10).getTime();
    const all = [
      { id: 3, name: 'ASE 300', size: 300, createdAt: at },
      { id: 4, name: 'ASE 300', size: 300, createdAt: at + 60_000 },
      { id: 5, name: 'COD', size: 10, createdAt: at },
    ];
    expect(all.map((d) => datasetOption(d, all))).toEqual(['ASE 300 (300) · #3, imported 2026-12-07 17:10', 'ASE 300 (300) · #4, imported 2026-12-07 17:11', 'COD (10)']);
    expect(sameNameNote(all[2], all)).toBeNull();
  });

  it('are told apart in the Runs table: a run of each namesake shows its dataset’s id and import time; a run without a stored dataset none', () => {
    const at = new Date(2026, 11, 7, 17, 10).getTime();
    const all = [
      { id: 3, name: 'ASE 300', createdAt: at },
      { id: 4, name: 'ASE 300', createdAt: at + 60_000 },
      { id: 5, name: 'COD', createdAt: at },
    ];
    const runs = [runRecord(1, { datasetId: 3, datasetName: 'ASE 300' }), runRecord(2, { datasetId: 4, datasetName: 'ASE 300' }), runRecord(3, { datasetId: 5, datasetName: 'COD' })];
    expect(runs.map((r) => runDatasetNote(r, all))).toEqual(['#3, imported 2026-12-07 17:10', '#4, imported 2026-12-07 17:11', null]);
    // a command-line run (its data a path) and a run whose dataset was deleted have no stored dataset: datasetId 0
    expect(runDatasetNote(runRecord(4, { datasetId: 0, datasetName: 'ASE 300' }), all)).toBeNull();
  });

  it('are found in the Runs table by their dataset’s id or by the dataset as shown, and sorted by it: a namesake’s runs together, in the order of its id', () => {
    const at = new Date(2026, 11, 7, 17, 10).getTime();
    const all = [
      { id: 3, name: 'ASE 300', createdAt: at },
      { id: 12, name: 'ASE 300', createdAt: at + 60_000 },
      { id: 5, name: 'COD', createdAt: at },
    ];
    const runs = [
      runRecord(1, { datasetId: 12, datasetName: 'ASE 300' }),
      runRecord(2, { datasetId: 3, datasetName: 'ASE 300' }),
      runRecord(3, { datasetId: 5, datasetName: 'COD' }),
      runRecord(4, { datasetId: 12, datasetName: 'ASE 300' }),
      runRecord(5, { datasetId: 0, datasetName: 'ASE 300' }), // a command-line run's data
    ];
    expect(runs.map((r) => runDatasetText(r, all))).toEqual([
      'ASE 300 · #12, imported 2026-12-07 17:11',
      'ASE 300 · #3, imported 2026-12-07 17:10',
      'COD',
      'ASE 300 · #12, imported 2026-12-07 17:11',
      'ASE 300',
    ]);
    const found = (search: string) => runs.filter((r) => matchesRun(r, { ...defaultFilter(), search }, all)).map((r) => r.id);
    expect(found('#12')).toEqual([1, 4]);
    expect(found('#5')).toEqual([3]); // COD's id, though its name needs no note
    expect(found('ASE 300 #3')).toEqual([2]);
    expect(found('17:11')).toEqual([1, 4]);
    expect(found('ase 300')).toEqual([1, 2, 4, 5]);
    // the dataset column sorts by what it shows: the data without a stored dataset, then #3's runs, then #12's (newest first among them), then COD
    expect(sortRuns(runs, 'datasetName', 'asc', all).map((r) => r.id)).toEqual([5, 2, 4, 1, 3]);
    expect(sortRuns(runs, 'datasetName', 'desc', all).map((r) => r.id)).toEqual([3, 4, 1, 2, 5]);
  });
});
