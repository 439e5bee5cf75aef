/** `latticework graph FILE...`: the crystal graph (periodic neighbour list) of structure files. */
import { resolve } from 'node:path';
import { readerWarnings, structureErrorData } from '../../../src-shared/chem';
import { readStructuresFile } from '../../files/structure-file';
import { CGCNN_NEIGHBOR_OPTIONS, MAX_NEIGHBOR_PAIRS, NeighborLimitError, neighborList, type NeighborList } from '../../../src-shared/graph';
import { parseCommandArgs, printPieces, READ_LIMIT_OPTIONS, readLimits, readLimitsUsage, usageError, type Command, type CommandContext } from '../command';
import { graphWarnings } from '../../../src-shared/model/graph-warnings';
import { errorRecord, type ErrorRecord } from './file-records';

const usage = `Usage: latticework graph FILE... [--cutoff R] [--max-neighbors K|all] [--pad] [--json]

Builds the graph of every structure in each file (CIF, POSCAR, XYZ): atoms are
nodes, every neighbour within the cutoff (periodic images included) is a directed
edge. Defaults are CGCNN's: cutoff ${CGCNN_NEIGHBOR_OPTIONS.cutoff} Å, the ${CGCNN_NEIGHBOR_OPTIONS.maxNeighbors} nearest neighbours.
  --cutoff R           cutoff radius in Å (default ${CGCNN_NEIGHBOR_OPTIONS.cutoff}); refused (bad usage) where a structure
                       would have more than ${MAX_NEIGHBOR_PAIRS.toLocaleString('en')} neighbour pairs within it
                       (its atoms × their density × 4/3·π·R³)
  --max-neighbors K    keep the K nearest neighbours per atom; "all" keeps every
                       neighbour within the cutoff (default ${CGCNN_NEIGHBOR_OPTIONS.maxNeighbors})
  --pad                pad atoms with fewer than K neighbours like CGCNN: edges at distance
                       R + 1 to the site CGCNN reads first (pymatgen sorts a CIF's sites by
                       electronegativity: the first site of the least electronegative element)
${readLimitsUsage(23)}
  --json               print one JSON array, per structure {"file","name","nNodes","nEdges",
                       "cutoff","maxNeighbors","padding","edges":{"src","dst","distance",
                       "image"},"warnings"} (image: one [i, j, k] per edge, in lattice vectors;
                       warnings: what the reader said of the file and of the structure first,
                       e.g. a 2D cell given a vector normal to it, then where the graph is not
                       the structure, e.g. partially occupied sites or a shell of equidistant
                       neighbours of two elements the cap splits),
                       per file that failed {"file","error":{"name","message","line"}}
Warnings are printed on stderr without --json.
Exit status: 0 when every file was read, 1 when some could not be, 2 for bad usage.`;

/** A structure's graph, printed with --json as {"file","name","nNodes",…,"edges":{…},"warnings","padded"?}. */
interface GraphEntry {
  file: string;
  name: string;
  nl: NeighborList;
  warnings: string[];
}

/** How many numbers (or images) of an edge array go into one piece of the JSON. */
const EDGES_PER_PIECE = 1 << 16;

/** A JSON array of `count` items in pieces: `slice(a, b)` gives items a..b as a plain array. */
function* jsonArrayPieces(count: number, slice: (a: number, b: number) => unknown[]): Generator<string> {
  yield '[';
  for (let a = 0; a < count; a += EDGES_PER_PIECE) {
    const items = JSON.stringify(slice(a, Math.min(count, a + EDGES_PER_PIECE)));
    yield a === 0 ? items.slice(1, -1) : `,${items.slice(1, -1)}`;
  }
  yield ']';
}

/**
 * The JSON of a graph in pieces, the same text as one JSON.stringify of the entry would be, which
 * a graph of millions of edges is too long for (issue 4's names: src = center, dst = neighbor, src-shared/graph/neighbors.ts).
 */
function* graphJsonPieces({ file, name, nl, warnings }: GraphEntry): Generator<string> {
  const head = JSON.stringify({ file, name, nNodes: nl.nNodes, nEdges: nl.nEdges, cutoff: nl.cutoff, maxNeighbors: nl.maxNeighbors, padding: nl.padding });
  const typed = (a: Int32Array | Float64Array | Uint8Array) => (from: number, to: number) => Array.from(a.subarray(from, to));
  yield `${head.slice(0, -1)},"edges":{"src":`;
  yield* jsonArrayPieces(nl.nEdges, typed(nl.center));
  yield ',"dst":';
  yield* jsonArrayPieces(nl.nEdges, typed(nl.neighbor));
  yield ',"distance":';
  yield* jsonArrayPieces(nl.nEdges, typed(nl.distance));
  yield ',"image":';
  yield* jsonArrayPieces(nl.nEdges, (from, to) => {
    const image: [number, number, number][] = [];
    for (let e = from; e < to; e++) image.push([nl.image[3 * e], nl.image[3 * e + 1], nl.image[3 * e + 2]]);
    return image;
  });
  yield `},"warnings":${JSON.stringify(warnings)}`;
  if (nl.padded) {
    yield ',"padded":';
    yield* jsonArrayPieces(nl.nEdges, typed(nl.padded));
  }
  yield '}';
}

/** The --json document: one array of graphs and error records, in pieces. */
function* documentPieces(entries: readonly (GraphEntry | ErrorRecord)[]): Generator<string> {
  yield '[';
  for (const [i, entry] of entries.entries()) {
    if (i > 0) yield ',';
    if ('error' in entry) yield JSON.stringify(entry);
    else yield* graphJsonPieces(entry);
  }
  yield ']';
}


function summaryLine(file: string, name: string, nl: NeighborList): string {
  let min = Infinity;
  let max = 0;
  let below = 0;
  for (let i = 0; i < nl.nNodes; i++) {
    let deg = 0;
    for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) if (!(nl.padded && nl.padded[e])) deg++;
    min = Math.min(min, deg);
    max = Math.max(max, deg);
    if (nl.maxNeighbors !== null && nl.nWithinCutoff[i] < nl.maxNeighbors) below++;
  }
  if (nl.nNodes === 0) min = 0;
  let dmin = Infinity;
  for (let e = 0; e < nl.nEdges; e++) if (!(nl.padded && nl.padded[e]) && nl.distance[e] < dmin) dmin = nl.distance[e];
  const parts = [
    `${file}${name ? ` (${name})` : ''}: ${nl.nNodes} atoms, ${nl.nEdges} edges`,
    `degree ${min}..${max} (mean ${(nl.nNodes ? nl.nEdges / nl.nNodes : 0).toFixed(2)})`,
    Number.isFinite(dmin) ? `shortest ${dmin.toFixed(4)} Å` : 'no neighbours',
  ];
  if (nl.maxNeighbors !== null && below > 0) parts.push(`${below} atom(s) with fewer than ${nl.maxNeighbors} neighbours within ${nl.cutoff} Å`);
  return parts.join(', ');
}

export const graphCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'graph', usage, {
      allowPositionals: true,
      options: {
        cutoff: { type: 'string' },
        'max-neighbors': { type: 'string' },
        pad: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        ...READ_LIMIT_OPTIONS,
      },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length === 0) return usageError(ctx.io, 'graph', 'no FILE given', usage);
    const cutoff = values.cutoff === undefined ? CGCNN_NEIGHBOR_OPTIONS.cutoff : Number(values.cutoff);
    if (!(Number.isFinite(cutoff) && cutoff > 0)) return usageError(ctx.io, 'graph', `--cutoff must be a positive number of Å, got "${values.cutoff}"`);
    let maxNeighbors: number | null = CGCNN_NEIGHBOR_OPTIONS.maxNeighbors;
    const k = values['max-neighbors'];
    if (k !== undefined) {
      if (k === 'all') maxNeighbors = null;
      else if (/^\d+$/.test(k) && Number(k) > 0) maxNeighbors = Number(k);
      else return usageError(ctx.io, 'graph', `--max-neighbors must be a positive integer or "all", got "${k}"`);
    }
    if (values.pad && maxNeighbors === null) return usageError(ctx.io, 'graph', '--pad needs --max-neighbors K');
    let limits;
    try {
      limits = readLimits(values);
    } catch (e) {
      return usageError(ctx.io, 'graph', (e as Error).message);
    }
    const options = { cutoff, maxNeighbors, padding: values.pad ? ('cgcnn' as const) : ('none' as const) };
    const entries: (GraphEntry | ErrorRecord)[] = [];
    let failed = 0;
    for (const file of positionals) {
      try {
        const read = await readStructuresFile(resolve(ctx.cwd, file), file, limits);
        for (const w of read.warnings) if (!values.json) ctx.io.err(`${file}: warning: ${w}`);
        read.structures.forEach((s, k) => {
          const nl = neighborList(s, options);
          const warnings = graphWarnings(s, nl);
          // in the JSON, what the reader said of the structure first (the text said it on stderr above)
          if (values.json) entries.push({ file, name: s.name, nl, warnings: [...readerWarnings(read, [k]), ...warnings] });
          else {
            ctx.io.out(summaryLine(file, s.name, nl));
            for (const w of warnings) ctx.io.err(`${file}${s.name ? ` (${s.name})` : ''}: warning: ${w}`);
          }
        });
        for (const b of read.skipped) {
          failed++;
          entries.push(errorRecord(b.error, file, b.block));
          if (!values.json) ctx.io.err(`${file}: ${b.error.message}`);
        }
      } catch (e) {
        if (e instanceof NeighborLimitError) return usageError(ctx.io, 'graph', `--cutoff ${cutoff}: ${file}: ${e.message}`);
        const err = e as NodeJS.ErrnoException;
        const data = structureErrorData(e, file);
        const message = err.code === 'ENOENT' ? 'no such file' : data.message;
        failed++;
        entries.push({ file, error: { name: data.name, message, line: data.line } });
        if (!values.json) ctx.io.err(`${file}: ${message}`);
      }
    }
    if (values.json) await printPieces(ctx.io, documentPieces(entries));
    return failed ? 1 : 0;
  },
};
