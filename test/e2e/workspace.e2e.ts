import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atomicNumber } from '../../src-shared/chem';
import { elementColorHex } from '../../src-renderer/viewer/elementStyle';
import { appForFile } from './app';
import { countColour } from './canvas';
import { SHARED_DATA } from '../helpers/shared-data';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const cif = (id: string) => readFileSync(`${SAMPLE}/${id}.cif`);

function rgb(symbol: string): [number, number, number] {
  // The viewer's default colour scheme (VESTA's).
  const hex = elementColorHex(atomicNumber(symbol));
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

const { app } = appForFile();

describe('structure workspace', () => {
  it('lists opened files, shows a malformed file’s error inline and keeps the others', async () => {
    const { page } = app;
    const broken = cif('1507756').toString('utf8').replace(/^ba Ba .*$/m, 'ba Ba 0.0');
    await page.getByTestId('file-input').setInputFiles([
      { name: '1000041.cif', mimeType: 'chemical/x-cif', buffer: cif('1000041') },
      { name: 'broken.cif', mimeType: 'chemical/x-cif', buffer: Buffer.from(broken) },
      { name: '1000050.cif', mimeType: 'chemical/x-cif', buffer: cif('1000050') },
    ]);
    await expect.poll(() => page.getByTestId('structure-item').count(), { timeout: 60_000 }).toBe(2);
    const error = page.getByTestId('structure-error');
    await expect.poll(async () => (await error.allTextContents()).join(' ')).toMatch(/broken\.cif/);
    expect((await error.allTextContents()).join(' ')).toMatch(/line \d+/);
    // the problem in words, without the reader's class name
    expect((await error.allTextContents()).join(' ')).not.toMatch(/StructureParseError/);
  });

  it('renders a dropped structure: atom colours appear in the canvas', async () => {
    const { page } = app;
    // Drop through a real DataTransfer, as a file manager would.
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], '9009743.cif', { type: 'chemical/x-cif' }));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, cif('9009743').toString('utf8'));
    await expect.poll(() => page.getByTestId('structure-item').count(), { timeout: 60_000 }).toBe(3);

    await page.getByTestId('structure-item').filter({ hasText: /Na/ }).first().click();
    const canvas = page.getByTestId('structure-canvas');
    await canvas.waitFor();
    await expect
      .poll(async () => (await countColour(page, 'structure-canvas', rgb('Cl'))).matches, { timeout: 60_000 })
      .toBeGreaterThan(200);
    const na = await countColour(page, 'structure-canvas', rgb('Na'));
    expect(na.matches).toBeGreaterThan(200);
    // A colour no atom of NaCl has (oxygen red) is absent.
    expect((await countColour(page, 'structure-canvas', rgb('O'))).matches).toBeLessThan(20);
    await app.screenshot('structure-nacl');
    expect(app.errors).toEqual([]);
  });
});
