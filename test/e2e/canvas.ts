/** The WebGL canvas in tests: pixel checks (drawn with preserveDrawingBuffer, so its pixels can be read back), atoms' centres, turning the view. */
import type { Locator, Page } from 'playwright-core';

export interface ColourCount {
  /** Pixels whose colour is within `tolerance` (per channel, after shading) of the reference hue. */
  matches: number;
  /** Pixels that are not background. */
  painted: number;
  total: number;
}

/**
 * Counts pixels of a canvas close in hue to a reference colour. Shading darkens and lightens atoms, so
 * the comparison is on the colour normalised by its brightest channel, not on raw values.
 */
export async function countColour(page: Page, testId: string, rgb: [number, number, number], tolerance = 0.12): Promise<ColourCount> {
  return page.getByTestId(testId).evaluate(
    (canvas, { rgb, tolerance }) => {
      const source = canvas as HTMLCanvasElement;
      const copy = document.createElement('canvas');
      copy.width = source.width;
      copy.height = source.height;
      const ctx = copy.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      ctx.drawImage(source, 0, 0);
      const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
      const [r0, g0, b0] = rgb;
      const m0 = Math.max(r0, g0, b0);
      const ref = [r0 / m0, g0 / m0, b0 / m0];
      const bg = [data[0], data[1], data[2]];
      let matches = 0;
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i];
        const g = data[i + 1];
        const b = data[i + 2];
        if (Math.abs(r - bg[0]) + Math.abs(g - bg[1]) + Math.abs(b - bg[2]) > 30) painted++;
        const m = Math.max(r, g, b);
        if (m < 40) continue;
        if (Math.abs(r / m - ref[0]) < tolerance && Math.abs(g / m - ref[1]) < tolerance && Math.abs(b / m - ref[2]) < tolerance) matches++;
      }
      return { matches, painted, total: data.length / 4 };
    },
    { rgb, tolerance },
  );
}

export interface Point {
  x: number;
  y: number;
}

/** The centres on the canvas (CSS pixels) of the first `count` displayed atoms, or of all of them. */
export function atomCentres(canvas: Locator, count?: number): Promise<Point[]> {
  return canvas.evaluate((el, count) => {
    const c = el as HTMLCanvasElement & { crystalScene?: { project(i: number): Point | null } };
    return Array.from({ length: count ?? Number(c.dataset.atomCount) }, (_, i) => c.crystalScene!.project(i)!);
  }, count);
}

/** Turns the view: a drag across the middle of the canvas, brought into view first. */
export async function turnView(page: Page, canvas: Locator): Promise<void> {
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2 + 80, { steps: 8 });
  await page.mouse.up();
}
