/**
 * `--model NAME` of the simulation commands (and `predict` for the built-ins) as a calculator:
 * the built-in `emt`, `lj` and `morse` (with `--param KEY=VALUE` parameters; these names win over
 * stored models and files), else a trained potential — a stored model's name or a model file —
 * loaded with tfjs (imported only then, so the built-ins never load it).
 */
import type { TrainingDomain } from '../../src-shared/model/domain';
import { BUILTIN_CALCULATORS, builtinCalculator, CalculatorError, type BuiltinCalculatorSpec, type Calculator } from '../../src-shared/sim';

export class CalculatorChoiceError extends Error {
  override name = 'CalculatorChoiceError';
}

const PARAMETERS: Record<BuiltinCalculatorName, readonly string[]> = {
  emt: [],
  lj: ['epsilon', 'sigma', 'cutoff', 'onset', 'cutoffMode'],
  morse: ['epsilon', 'r0', 'rho0', 'onset', 'cutoff'],
};

export type BuiltinCalculatorName = (typeof BUILTIN_CALCULATORS)[number];

export function isBuiltinCalculator(name: string): name is BuiltinCalculatorName {
  return (BUILTIN_CALCULATORS as readonly string[]).includes(name);
}

/** The spec of a built-in calculator from `KEY=VALUE` parameters (numbers, except lj's cutoffMode). */
function builtinSpec(name: BuiltinCalculatorName, params: readonly string[]): BuiltinCalculatorSpec {
  const allowed = PARAMETERS[name];
  const values: Record<string, number | string> = {};
  for (const p of params) {
    const m = /^([A-Za-z0-9]+)=(.+)$/.exec(p.trim());
    if (!m) throw new CalculatorChoiceError(`--param ${p}: expected KEY=VALUE`);
    const [, key, raw] = m;
    if (!allowed.includes(key)) {
      throw new CalculatorChoiceError(allowed.length ? `--param ${key}: ${name} takes ${allowed.join(', ')}` : `--param ${key}: ${name} takes no parameters`);
    }
    if (key === 'cutoffMode') {
      if (raw !== 'shift' && raw !== 'smooth') throw new CalculatorChoiceError(`--param cutoffMode=${raw}: use shift or smooth`);
      values[key] = raw;
      continue;
    }
    const x = Number(raw);
    if (!Number.isFinite(x)) throw new CalculatorChoiceError(`--param ${key}=${raw}: not a number`);
    values[key] = x;
  }
  if (name === 'emt') return { kind: 'emt' };
  return name === 'lj' ? { kind: 'lj', parameters: values } : { kind: 'morse', parameters: values };
}

/**
 * A built-in calculator with `KEY=VALUE` parameters, and its spec. A parameter the calculator refuses
 * (lj's sigma=-1) is bad usage as a malformed one is: a `CalculatorChoiceError`.
 */
export function openBuiltin(name: BuiltinCalculatorName, params: readonly string[]): { calculator: Calculator; spec: BuiltinCalculatorSpec } {
  const spec = builtinSpec(name, params);
  try {
    return { calculator: builtinCalculator(spec), spec };
  } catch (e) {
    if (e instanceof CalculatorError) throw new CalculatorChoiceError(e.message);
    throw e;
  }
}

export interface OpenedCalculator {
  calculator: Calculator;
  /** The model as reports name it: `emt`, `lj`, `morse` or the potential's name. */
  model: string;
  /** The tfjs backend a trained potential runs on (null for the built-ins). */
  backend: string | null;
  /** A built-in's spec (its element checks apply before a run); null for a trained potential. */
  spec: BuiltinCalculatorSpec | null;
  /** A trained potential: its file's training domain (null when the file records none), which its results are checked against (src-shared/model/potential-domain); null for a built-in. */
  potential: { domain: TrainingDomain | null } | null;
}

/** The calculator `--model NAME` names; throws `CalculatorChoiceError` (or the model loader's error) with a sentence. */
export async function openCalculator(name: string, params: readonly string[], cwd: string, backendName?: string): Promise<OpenedCalculator> {
  if (isBuiltinCalculator(name)) {
    return { ...openBuiltin(name, params), model: name, backend: null, potential: null };
  }
  if (params.length) throw new CalculatorChoiceError(`--param is for the built-in calculators (${BUILTIN_CALCULATORS.join(', ')}), not for a trained potential`);
  const [{ initBackend, describeBackend }, { resolveModel }, { isPotentialFile, LoadedPotential }, { PotentialCalculator }] = await Promise.all([
    import('../engine/tf/backend'),
    import('../models/store'),
    import('../engine/potential/file'),
    import('../engine/potential/calculator'),
  ]);
  const backend = await initBackend(backendName ? { force: backendName } : {});
  const data = await resolveModel(name, cwd);
  if (!isPotentialFile(data)) {
    throw new CalculatorChoiceError(`model "${data.header.name}" predicts ${data.header.targets.map((t) => t.name).join(', ') || 'a property'}, not energies and forces: simulations need an interatomic potential (or emt, lj, morse)`);
  }
  const potential = new LoadedPotential(data);
  return { calculator: new PotentialCalculator(potential), model: potential.name, backend: describeBackend(backend), spec: null, potential: { domain: data.header.domain ?? null } };
}
