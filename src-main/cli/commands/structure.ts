/** `latticework structure info FILE... [--json]`: read structure files and describe what is in them. */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  DEFAULT_READ_OPTIONS,
  readStructures,
  structureErrorData,
  summarizeStructure,
  StructureLimitError,
  type DisorderPolicy,
  type LatticeParameters,
  type ReadOptions,
} from '../../../src-shared/chem';
import { displaySymbol } from '../../../src-shared/chem/spacegroup';
import type { SpaceGroupSummary } from '../../../src-shared/chem/spacegroup';
import { plural } from '../../../src-shared/text';
import { DEFAULT_SYMPREC, findSpaceGroup } from '../../chem/spacegroup';
import { parseCommandArgs, usageError, valueOptions, type Command, type CommandContext } from '../command';

const usage = `Usage: latticework structure info FILE... [--json] [options]

Reads CIF, POSCAR/CONTCAR/*.vasp, XYZ and extended XYZ files and prints, per
structure, its formula, space group, number of sites, cell and warnings.
  --json               print one JSON array: per structure {file, block, formula, cellFormula,
                       composition, nSites, spaceGroup: {number, symbol, crystalSystem, symprec}
                       (null for a molecule), lattice, volume, warnings}; per failed file {file, error}
  --format F           cif | poscar | xyz (default: from the file name, else the content)
  --species A,B,...    element symbols for VASP 4 POSCARs without a species line
  --disorder P         keep (default) | most-probable | reject: partially occupied CIF sites
  --symprec X          symmetry tolerance, Å (default ${DEFAULT_SYMPREC}, as spglib): the space group is
                       found with it, and CIF symmetry images closer than X are merged
  --max-atoms N        refuse structures with more sites (default ${DEFAULT_READ_OPTIONS.maxAtoms})
  --max-bytes N        refuse larger files (default ${DEFAULT_READ_OPTIONS.maxBytes})
Exit status: 0 when every file was read, 1 when any failed, 2 on a usage error.`;

/** One element of the `--json` array. */
export type StructureInfoRecord =
  | {
      file: string;
      block: string | number | null;
      /** Reduced formula by electronegativity (crystals), Hill formula (molecules). */
      formula: string;
      /** The whole cell's formula. */
      cellFormula: string;
      composition: Record<string, number>;
      nSites: number;
      /** Found by moyo (spglib's authors) at `symprec`; null for a molecule. */
      spaceGroup: SpaceGroupSummary | null;
      lattice: LatticeParameters | null;
      volume: number | null;
      warnings: string[];
    }
  | { file: string; error: { name: string; message: string; line: number | null } };

function round(x: number, digits: number): string {
  return String(Number(x.toFixed(digits)));
}

function describe(r: Extract<StructureInfoRecord, { nSites: number }>): string {
  const formula = r.cellFormula === r.formula ? r.formula : `${r.formula} (cell ${r.cellFormula})`;
  const where = r.block === null ? r.file : `${r.file} [${r.block}]`;
  let cell = 'molecule (no cell)';
  if (r.lattice) {
    const l = r.lattice;
    cell =
      `a=${round(l.a, 4)} b=${round(l.b, 4)} c=${round(l.c, 4)} Å, ` +
      `α=${round(l.alpha, 3)} β=${round(l.beta, 3)} γ=${round(l.gamma, 3)}°, V=${round(r.volume ?? 0, 3)} Å³`;
  }
  const sg = r.spaceGroup ? `, ${displaySymbol(r.spaceGroup.symbol)} (${r.spaceGroup.number}, ${r.spaceGroup.crystalSystem})` : '';
  const lines = [`${where}: ${formula}${sg}, ${plural(r.nSites, 'site')}, ${cell}`];
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export async function structureInfo(
  files: string[],
  cwd: string,
  options: ReadOptions,
): Promise<StructureInfoRecord[]> {
  const out: StructureInfoRecord[] = [];
  const maxBytes = options.maxBytes ?? DEFAULT_READ_OPTIONS.maxBytes;
  for (const file of files) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      let text: string;
      try {
        const st = await stat(path);
        if (st.isDirectory()) throw new Error(`${file} is a folder, not a structure file`);
        if (st.size > maxBytes) {
          throw new StructureLimitError(file, null, `the file is ${st.size} bytes, more than the limit of ${maxBytes} (option --max-bytes)`);
        }
        text = await readFile(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException)?.code;
        if (code === 'ENOENT') throw Object.assign(new Error(`no such file: ${file}`), { name: 'FileNotFound' });
        if (code === 'EACCES') throw Object.assign(new Error(`permission denied: ${file}`), { name: 'FileNotReadable' });
        throw e;
      }
      const r = readStructures(file, text, options);
      r.structures.forEach((s, i) => {
        const sum = summarizeStructure(s);
        const warnings = [...r.structureWarnings[i]];
        let spaceGroup: SpaceGroupSummary | null = null;
        try {
          spaceGroup = findSpaceGroup(s, options.symprec ?? DEFAULT_SYMPREC);
        } catch (e) {
          warnings.push((e as Error).message);
        }
        out.push({
          file,
          block: r.blocks[i],
          formula: sum.formula,
          cellFormula: sum.cellFormula,
          composition: sum.composition,
          nSites: sum.nSites,
          spaceGroup,
          lattice: sum.lattice,
          volume: sum.volume,
          warnings,
        });
      });
    } catch (e) {
      const d = structureErrorData(e, file);
      out.push({ file, error: { name: d.name, message: d.message, line: d.line } });
    }
  }
  return out;
}

export const structureCommand: Command = {
  name: 'structure',
  summary: 'Read structure files (CIF, POSCAR, XYZ): structure info FILE... [--json]',
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const { io } = ctx;
    const parsed = parseCommandArgs(ctx, 'structure', usage, {
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        ...valueOptions('format', 'species', 'disorder', 'symprec', 'max-atoms', 'max-bytes'),
      },
    });
    if (!parsed) return 2;
    const [sub, ...files] = parsed.positionals;
    if (sub === undefined) {
      io.err(usage);
      return 2;
    }
    if (sub !== 'info') return usageError(io, 'structure', `unknown subcommand "${sub}"`, usage);
    if (files.length === 0) return usageError(io, 'structure info', 'give at least one FILE', usage);
    const v = parsed.values;
    const options: ReadOptions = {};
    const bad = (msg: string) => usageError(io, 'structure info', msg);
    if (v.format !== undefined) {
      if (v.format !== 'cif' && v.format !== 'poscar' && v.format !== 'xyz') return bad(`--format must be cif, poscar or xyz, not "${v.format}"`);
      options.format = v.format;
    }
    if (v.species !== undefined) options.species = v.species.split(/[,\s]+/).filter(Boolean);
    if (v.disorder !== undefined) {
      if (!['keep', 'most-probable', 'reject'].includes(v.disorder)) return bad(`--disorder must be keep, most-probable or reject, not "${v.disorder}"`);
      options.disorder = v.disorder as DisorderPolicy;
    }
    const positive = (name: string, raw: string | undefined, integer: boolean): number | undefined | null => {
      if (raw === undefined) return undefined;
      const x = Number(raw);
      if (!Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) return null;
      return x;
    };
    const symprec = positive('symprec', v.symprec, false);
    const maxAtoms = positive('max-atoms', v['max-atoms'], true);
    const maxBytes = positive('max-bytes', v['max-bytes'], true);
    if (symprec === null) return bad('--symprec must be a positive number (Å)');
    if (maxAtoms === null) return bad('--max-atoms must be a positive integer');
    if (maxBytes === null) return bad('--max-bytes must be a positive integer');
    if (symprec !== undefined) options.symprec = symprec;
    if (maxAtoms !== undefined) options.maxAtoms = maxAtoms;
    if (maxBytes !== undefined) options.maxBytes = maxBytes;

    const records = await structureInfo(files, ctx.cwd, options);
    const failed = records.filter((r) => 'error' in r).length;
    if (v.json) {
      io.out(JSON.stringify(records, null, 2));
    } else {
      for (const r of records) {
        if ('error' in r) io.err(`${r.file}: error: ${r.error.message}`);
        else io.out(describe(r));
      }
      if (files.length > 1) {
        io.out(`${plural(records.length - failed, 'structure')} read; ${failed} of ${plural(files.length, 'file')} failed`);
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
