/**
 * The element legend drawn into an exported image: one dot and symbol per element, in a box at
 * the top right, sized in CSS pixels times the export scale (so a 4× image has a 4× legend, as
 * the on-screen legend would look when magnified). Pure layout plus a draw on any 2D context.
 */

export interface LegendEntry {
  symbol: string;
  /** CSS colour of the element's atoms. */
  color: string;
}

export interface LegendItem extends LegendEntry {
  dot: { cx: number; cy: number; r: number };
  text: { x: number; y: number };
}

export interface LegendLayout {
  box: { x: number; y: number; w: number; h: number };
  font: string;
  items: LegendItem[];
}

/** CSS-pixel sizes of the legend (multiplied by the scale). */
const PAD = 6;
const MARGIN = 8;
const DOT = 5;
const GAP = 4;
const SPACING = 10;
const FONT = 12;

/**
 * Where the legend goes in an image `width` device pixels wide at `scale` device pixels per CSS
 * pixel; `measure(text, font)` gives a text's width in device pixels. Null without entries.
 */
export function legendLayout(entries: LegendEntry[], width: number, scale: number, measure: (text: string, font: string) => number): LegendLayout | null {
  if (entries.length === 0) return null;
  const s = scale;
  const font = `600 ${FONT * s}px system-ui, sans-serif`;
  const row = FONT * s;
  let x = PAD * s;
  const placed = entries.map((e) => {
    const cx = x + DOT * s;
    const tx = cx + DOT * s + GAP * s;
    const tw = measure(e.symbol, font);
    x = tx + tw + SPACING * s;
    return { ...e, cx, tx };
  });
  const w = x - SPACING * s + PAD * s;
  const h = row + 2 * PAD * s;
  const bx = Math.max(0, width - MARGIN * s - w);
  const by = MARGIN * s;
  const cy = by + h / 2;
  return {
    box: { x: bx, y: by, w, h },
    font,
    items: placed.map((p) => ({ symbol: p.symbol, color: p.color, dot: { cx: bx + p.cx, cy, r: DOT * s }, text: { x: bx + p.tx, y: cy } })),
  };
}

/** What drawLegend needs of a 2D context. */
export type LegendContext = Pick<CanvasRenderingContext2D, 'fillStyle' | 'strokeStyle' | 'lineWidth' | 'font' | 'textBaseline' | 'textAlign' | 'beginPath' | 'arc' | 'fill' | 'stroke' | 'fillRect' | 'strokeRect' | 'fillText'>;

export function drawLegend(ctx: LegendContext, layout: LegendLayout, scale: number): void {
  const { box } = layout;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
  ctx.fillRect(box.x, box.y, box.w, box.h);
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.25)';
  ctx.lineWidth = scale;
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.font = layout.font;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  for (const it of layout.items) {
    ctx.beginPath();
    ctx.arc(it.dot.cx, it.dot.cy, it.dot.r, 0, 2 * Math.PI);
    ctx.fillStyle = it.color;
    ctx.fill();
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.lineWidth = 0.75 * scale;
    ctx.stroke();
    ctx.fillStyle = '#1c1f24';
    ctx.fillText(it.symbol, it.text.x, it.text.y);
  }
}
