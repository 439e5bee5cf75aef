/**
 * The joint acceptance check of issues 13 and 14: does a trained potential relax held-out EMT
 * structures to energies within 10 meV/atom of EMT's own relaxation of the same structures?
 * Relaxes each structure with EMT and with the potential (FIRE, same start, same fmax) and reports
 * (src-shared/sim/agreement.ts) energyGap = E_potential(its minimum) − E_EMT(EMT's minimum) and
 * referenceGap = E_EMT(the potential's minimum) − E_EMT(EMT's minimum), per atom.
 *
 * Run (a fresh EMT set from scripts/data/make_emt_set.py, a potential from latticework train):
 *   npx tsx scripts/sim/relax-agreement.ts MODEL.lwm FRAMES.extxyz [count=100] [backend=wasm] [fmax=0.01]
 * Prints one JSON line {model, file, structures, fmax, maxEnergyGapMeV, meanAbsEnergyGapMeV,
 * maxReferenceGapMeV, unconverged, pass} and exits 1 when the largest |energyGap| exceeds 10 meV/atom.
 */
import { readFileSync } from 'node:fs';
import { readStructures } from '../../src-shared/chem';
import { EmtCalculator, relaxationAgreement } from '../../src-shared/sim';
import { decodeModelFile } from '../../src-main/engine/models/format';
import { LoadedPotential } from '../../src-main/engine/potential/file';
import { PotentialCalculator } from '../../src-main/engine/potential/calculator';
import { initBackend } from '../../src-main/engine/tf/backend';

const [modelFile, dataFile, countArg = '100', backend = 'wasm', fmaxArg = '0.01'] = process.argv.slice(2);
if (!modelFile || !dataFile) throw new Error('usage: relax-agreement.ts MODEL.lwm FRAMES.extxyz [count] [backend] [fmax]');
await initBackend({ force: backend });
const calculator = new PotentialCalculator(new LoadedPotential(decodeModelFile(new Uint8Array(readFileSync(modelFile)))));
const structures = readStructures(dataFile, readFileSync(dataFile, 'utf8')).structures.slice(0, Number(countArg));
const fmax = Number(fmaxArg);
const s = await relaxationAgreement(new EmtCalculator(), calculator, structures, {
  fmax,
  maxSteps: 1000,
  onStructure: (done, total) => process.stderr.write(`\r${done}/${total}`),
});
process.stderr.write('\n');
const meV = (x: number) => Number((1000 * x).toFixed(3));
const unconverged = s.structures.filter((a) => !a.referenceConverged || !a.candidateConverged).map((a) => a.name);
const pass = s.maxEnergyGap <= 0.01;
console.log(
  JSON.stringify({
    model: calculator.name,
    file: dataFile,
    structures: structures.length,
    fmax,
    maxEnergyGapMeV: meV(s.maxEnergyGap),
    meanAbsEnergyGapMeV: meV(s.meanAbsEnergyGap),
    maxReferenceGapMeV: meV(s.maxReferenceGap),
    unconverged,
    pass,
  }),
);
calculator.dispose();
process.exit(pass ? 0 : 1);
