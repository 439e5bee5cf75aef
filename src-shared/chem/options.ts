/** Options shared by the structure readers, with their defaults. */
import type { StructureParseError } from './errors';
import type { FlatCellExtents } from './lattice';
import type { Structure } from './structure';

export type DisorderPolicy = 'keep' | 'most-probable' | 'reject';

/** `ase-db` (an ASE SQLite database) is read by the core (src-main/files/ase-db.ts), never as text. */
export type StructureFormat = 'cif' | 'poscar' | 'xyz' | 'vasprun' | 'outcar' | 'xdatcar' | 'ase-db' | 'ase-traj';

export interface ReadOptions {
  /** Force a format instead of detecting it from the file name and content. */
  format?: StructureFormat;
  /** Refuse texts longer than this (characters ≈ bytes for these ASCII formats). Default 64 MiB. */
  maxBytes?: number;
  /** Refuse a structure with more sites than this (after symmetry expansion). Default 1,000,000. */
  maxAtoms?: number;
  /** Refuse a file with more structures (CIF blocks, XYZ frames) than this. Default 100,000. */
  maxStructures?: number;
  /** CIF: symmetry images closer than this (Å, minimum image) are one site. Default 0.01 Å. */
  symprec?: number;
  /**
   * CIF: partially occupied sites. `keep` (default) keeps every site with its occupancy and warns;
   * `most-probable` keeps at each position the species with the highest occupancy (occupancy 1),
   * dropping the position when a vacancy is more probable (total occupancy < 0.5);
   * `reject` makes a partially occupied structure an error.
   */
  disorder?: DisorderPolicy;
  /** CIF: snap fractional coordinates within a relative 1.2e-4 of 1/3 and 2/3 (modulo 1) to the exact value (as pymatgen does). Default true. */
  snapFractions?: boolean;
  /** POSCAR, XDATCAR (VASP 4, no species line): element symbols, one per species count. */
  species?: string[];
  /** Extended XYZ: the info key holding the energy (default: the first of `LABEL_CANDIDATES.energy` present). */
  energyKey?: string;
  /** Extended XYZ: the info key holding the free energy. */
  freeEnergyKey?: string;
  /** Extended XYZ: the per-atom column holding the forces. */
  forcesKey?: string;
  /** Extended XYZ: the info key holding the stress (a name containing `virial` is read as a virial). */
  stressKey?: string;
  /**
   * Extended XYZ read in parts (chunks of frames, a frame at a time): the whole file's flat-cell extents for
   * the frames of the part (`xyzFlatCells`), so that every part makes the file's one cell. Default: the
   * extents of the frames of the text read.
   */
  flatCells?: FlatCellExtents;
}

/** The limits a command line sets (--max-atoms, --max-bytes: src-main/cli/command.ts readLimits). */
export type ReadLimits = Pick<ReadOptions, 'maxAtoms' | 'maxBytes'>;

export interface ResolvedReadOptions {
  maxBytes: number;
  maxAtoms: number;
  maxStructures: number;
  symprec: number;
  disorder: DisorderPolicy;
  snapFractions: boolean;
  species: string[] | null;
  flatCells: FlatCellExtents | null;
}

export const DEFAULT_READ_OPTIONS: ResolvedReadOptions = {
  maxBytes: 64 * 1024 * 1024,
  maxAtoms: 1_000_000,
  maxStructures: 100_000,
  symprec: 0.01,
  disorder: 'keep',
  snapFractions: true,
  species: null,
  flatCells: null,
};

export function resolveReadOptions(o: ReadOptions | undefined): ResolvedReadOptions {
  return {
    maxBytes: o?.maxBytes ?? DEFAULT_READ_OPTIONS.maxBytes,
    maxAtoms: o?.maxAtoms ?? DEFAULT_READ_OPTIONS.maxAtoms,
    maxStructures: o?.maxStructures ?? DEFAULT_READ_OPTIONS.maxStructures,
    symprec: o?.symprec ?? DEFAULT_READ_OPTIONS.symprec,
    disorder: o?.disorder ?? DEFAULT_READ_OPTIONS.disorder,
    snapFractions: o?.snapFractions ?? DEFAULT_READ_OPTIONS.snapFractions,
    species: o?.species ?? null,
    flatCells: o?.flatCells ?? null,
  };
}

/** One structure read from a file, with where it came from and what was noticed. */
export interface ParsedStructure {
  structure: Structure;
  /** CIF data block name, XYZ frame index; null for single-structure formats (POSCAR). */
  block: string | number | null;
  warnings: string[];
  /** 1-based line where the structure starts (XYZ: its comment line), when known. */
  line?: number;
}

/**
 * A CIF data block left unread, in a file whose other blocks were read: its error names the block
 * (`line 52: data block 'x': the space group ...`).
 */
export interface SkippedBlock {
  block: string;
  error: StructureParseError;
}
