/**
 * How a prediction's unit reads for a person, and the value in plain units where a model predicts a
 * transform: CGCNN's moduli are log₁₀ of GPa (Materials Project's convention) and read in GPa too; a
 * classifier's probability names its class (P(metal) for a metal classifier). Shared by the app's
 * tables and the command line's text output; machine-readable outputs (`predict --json`'s "unit",
 * the contract's `units`) keep the stored unit.
 */
export function shownUnit(value: number, units: string, model: string): { unit: string; converted: { value: number; unit: string } | null } {
  if (/^log\(GPa\)$|^log10\(GPa\)$/i.test(units)) return { unit: 'log₁₀ GPa', converted: { value: 10 ** value, unit: 'GPa' } };
  if (units === 'probability') return { unit: /metal/i.test(model) ? 'P(metal)' : 'P(class 1)', converted: null };
  return { unit: units, converted: null };
}
