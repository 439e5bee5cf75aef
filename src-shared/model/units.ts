/**
 * How a prediction's unit reads for a person, and the value in plain units where a model predicts a
 * transform: CGCNN's moduli are log₁₀ of GPa (Materials Project's convention) and read in GPa too; a
 * classifier's probability names its class (P(metal) for a metal classifier). Shared by the app's
 * tables and the command line's text output; machine-readable outputs (`predict --json`'s "unit",
 * the contract's `units`) keep the stored unit.
 */
export function shownUnit(value: number, units: string, model: string): { unit: string; converted: { value: number; unit: string } | null } {
  if (/^log\(GPa\)$|^log10\(GPa\)$|^log₁₀ GPa$/i.test(units)) return { unit: 'log₁₀ GPa', converted: { value: 10 ** value, unit: 'GPa' } };
  if (units === 'probability') return { unit: /metal/i.test(model) ? 'P(metal)' : 'P(class 1)', converted: null };
  return { unit: units, converted: null };
}

/**
 * The unit a target's name states (`band_gap (eV)`, `energy [eV/atom]`: a CSV header that says it),
 * else the unit of a name in common use (extended-XYZ and Materials Project keys); '' when the name
 * does not tell. What a dataset's unit defaults to at import, and what the import form prefills.
 */
export function targetUnit(key: string): string {
  const stated = /[([]\s*([^()[\]]{1,40}?)\s*[)\]]\s*$/.exec(key);
  if (stated && !/^\d+$/.test(stated[1])) return stated[1];
  const k = key.toLowerCase().replace(/\[\d+\]$/, '');
  if (/(^|_)(energy|e)_per_atom$|^(e_form|formation_energy|e_above_hull|energy_above_hull)$/.test(k)) return 'eV/atom';
  if (/^(energy|free_energy|total_energy|band_gap|gap|efermi|fermi_energy|e_fermi|homo|lumo)$/.test(k)) return 'eV';
  if (/^forces?$/.test(k)) return 'eV/Å';
  if (/^(stress|virial_stress)$/.test(k)) return 'eV/Å³';
  if (/^(bulk|shear)_moduli$|^k_vrh$|^g_vrh$/.test(k)) return 'log₁₀ GPa';
  if (/^poisson_ratio$|^(metal|is_metal|metal_semi)$/.test(k)) return 'dimensionless';
  return '';
}

/** Longest unit a dataset, a run or a model file records (contract limit). */
export const MAX_UNIT_LENGTH = 40;
