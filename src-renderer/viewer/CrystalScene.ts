/**
 * A framework-free three.js scene for crystals and molecules, fed struct-of-arrays.
 *
 * - Atoms: ray-cast sphere impostors (one instanced camera-facing quad per atom, see
 *   `sphereImpostors.ts`); picking by an exact CPU ray–sphere test over all atoms.
 * - Bonds: ray-cast cylinder impostors (`stickImpostors.ts`), half-bonds each coloured
 *   like its atom.
 * - Unit cell (and supercell box) as line segments, the a, b, c edges coloured and
 *   labelled (canvas-texture sprites: nothing is loaded).
 * - Optional line segments with per-vertex colours (crystal-graph edges).
 * - Named sets of arrows on atoms (forces: predicted, reference), see `arrows.ts`.
 * - Coordination polyhedra: semi-transparent faces in the centre's colour with their outlines
 *   (`polyhedra.ts` finds them).
 * - Renders on demand (a frame is requested when something changes), never in a loop.
 * - A new frame of the same structure (an MD run streaming in) moves what is drawn: the impostors'
 *   instance attributes, the cell's line buffers and the labels' sprites are written in place and
 *   every material stays, so no shader program is compiled again (compiling one per frame froze
 *   the window while a run streamed).
 *
 * Colours passed in are sRGB components in 0..1 (as in CSS); they are converted to
 * the linear working space here. Everything created is disposed by `dispose()`.
 */
import {
  AmbientLight,
  BufferAttribute,
  BufferGeometry,
  CanvasTexture,
  ConeGeometry,
  CylinderGeometry,
  DirectionalLight,
  DoubleSide,
  DynamicDrawUsage,
  InstancedMesh,
  LineBasicMaterial,
  LineSegments,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  MeshLambertMaterial,
  OrthographicCamera,
  PerspectiveCamera,
  Quaternion,
  Raycaster,
  Scene,
  SphereGeometry,
  Sprite,
  SpriteMaterial,
  Vector2,
  Vector3,
  WebGLRenderer,
} from 'three';
import type { Texture } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Mat3 } from '../../src-shared/chem/structure';
import { ArrowGlyphs } from './arrows';
import type { ArrowData } from './arrows';
import type { PolyhedronData } from './polyhedra';
import { SphereImpostors } from './sphereImpostors';
import { StickImpostors } from './stickImpostors';
import { boundingSphere, boxEdges, defaultView, fitDistance, viewAlong } from './camera';
import { drawLegend, legendLayout, type LegendEntry } from './legend';
import type { ViewAxis, ViewDirection } from './camera';

export interface AtomData {
  /** 3 per atom, Å. */
  positions: Float32Array;
  /** sRGB 0..1, 3 per atom. */
  colors: Float32Array;
  /** Sphere radius per atom, Å. */
  radii: Float32Array;
}

export interface StickData {
  /** 3 per stick. */
  start: Float32Array;
  end: Float32Array;
  /** sRGB 0..1, 3 per stick. */
  colors: Float32Array;
  /** Cylinder radius, Å. */
  radius: number;
}

export interface LineData {
  /** 6 per segment (two endpoints). */
  positions: Float32Array;
  /** sRGB 0..1, 6 per segment (a colour per endpoint). */
  colors: Float32Array;
}

export interface HoverHit {
  /** Instance index of the atom under the pointer. */
  index: number;
  /** Pointer position relative to the canvas, CSS pixels. */
  x: number;
  y: number;
}

export interface CrystalSceneOptions {
  /** CSS colour of the background; default white. */
  background?: string;
  onHover?(hit: HoverHit | null): void;
  /** A click (not a drag) on an atom (index) or on empty space (null). */
  onPick?(index: number | null, event: PointerEvent): void;
}

const FOV = 30;
const AXIS_COLORS = ['#d62728', '#2ca02c', '#1f5fd6'];
const CELL_COLOR = 0x5a6270;
/** Opacity of polyhedron faces (VESTA's default is about half). */
const POLYHEDRON_OPACITY = 0.5;
const POLYHEDRON_EDGE_COLOR = 0x3a3f48;

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function toLinear(c: Float32Array): Float32Array {
  const out = new Float32Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = srgbToLinear(c[i]);
  return out;
}


/**
 * Text on a transparent canvas texture, dark or coloured with a white halo; `aspect` is its
 * width over its height (at least 1: single letters are square).
 */
function textTexture(text: string, color: string, font: string, size = 64): { texture: CanvasTexture; aspect: number } {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  ctx.font = font;
  canvas.width = Math.max(size, Math.ceil(ctx.measureText(text).width + size * 0.3));
  canvas.height = size;
  ctx.font = font; // resizing the canvas reset the context
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = size / 10;
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.strokeText(text, canvas.width / 2, size * 0.53);
  ctx.fillStyle = color;
  ctx.fillText(text, canvas.width / 2, size * 0.53);
  const texture = new CanvasTexture(canvas);
  texture.anisotropy = 1;
  return { texture, aspect: canvas.width / size };
}

/** Line segments (`segments` of them) whose positions `moveLines` rewrites in place; drawn wherever they move. */
function cellLines(segments: number, material: LineBasicMaterial): LineSegments<BufferGeometry, LineBasicMaterial> {
  const g = new BufferGeometry();
  const position = new BufferAttribute(new Float32Array(6 * segments), 3);
  position.setUsage(DynamicDrawUsage);
  g.setAttribute('position', position);
  const l = new LineSegments(g, material);
  l.frustumCulled = false;
  l.visible = false;
  return l;
}

function moveLines(l: LineSegments, positions: Float32Array): void {
  const attr = l.geometry.getAttribute('position') as BufferAttribute;
  attr.copyArray(positions);
  attr.needsUpdate = true;
}

/** Atom labels: this many CSS pixels tall whatever the zoom. */
const LABEL_PIXELS = 28;

/** Labels on atoms (element symbols, site indices): text per label at a position. */
export interface LabelData {
  /** 3 per label, Å. */
  positions: Float32Array;
  texts: readonly string[];
}

export class CrystalScene {
  readonly renderer: WebGLRenderer;
  readonly canvas: HTMLCanvasElement;
  private readonly scene = new Scene();
  private readonly camera: PerspectiveCamera;
  private readonly controls: OrbitControls;
  private readonly raycaster = new Raycaster();
  private readonly options: CrystalSceneOptions;

  private readonly spheres = new SphereImpostors();
  private atomsVisible = true;
  private atoms: AtomData | null = null;

  private readonly sticks = new StickImpostors();

  private readonly haloGeometry = new SphereGeometry(1, 24, 16);
  private readonly haloMaterial = new MeshBasicMaterial({ color: 0xffb000, transparent: true, opacity: 0.45, depthWrite: false });
  private readonly haloMesh: InstancedMesh;

  private readonly arrows = new Map<string, ArrowGlyphs>();

  /** The unit cell: its nine grey edges, the supercell box, and the a, b, c edges in their colours (made once, moved with the cell). */
  private readonly cellEdges = cellLines(9, new LineBasicMaterial({ color: CELL_COLOR }));
  private readonly supercellBox = cellLines(12, new LineBasicMaterial({ color: CELL_COLOR, transparent: true, opacity: 0.45 }));
  private readonly cellAxes = AXIS_COLORS.map((color) => cellLines(1, new LineBasicMaterial({ color })));
  private lines: LineSegments | null = null;
  private readonly lineMaterial = new LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.9 });

  /** One sprite per labelled atom (kept from frame to frame); materials (and textures) shared per text. */
  private labelSprites: Sprite[] = [];
  private readonly labelMaterials = new Map<string, { material: SpriteMaterial; aspect: number }>();

  private polyhedronFaces: Mesh | null = null;
  private polyhedronEdges: LineSegments | null = null;
  private readonly polyhedronMaterial = new MeshLambertMaterial({
    vertexColors: true,
    transparent: true,
    opacity: POLYHEDRON_OPACITY,
    side: DoubleSide,
    depthWrite: false,
  });
  private readonly polyhedronEdgeMaterial = new LineBasicMaterial({ color: POLYHEDRON_EDGE_COLOR, transparent: true, opacity: 0.7 });

  // Axes triad drawn in a corner viewport, rotating with the camera.
  private readonly triadScene = new Scene();
  private readonly triadCamera = new OrthographicCamera(-1.7, 1.7, 1.7, -1.7, 0.1, 20);
  private readonly triadShaft = new CylinderGeometry(0.06, 0.06, 0.95, 10).translate(0, 0.475, 0);
  private readonly triadHead = new ConeGeometry(0.16, 0.34, 14).translate(0, 0.17, 0);
  /** Per axis: shaft, head and label, turned with the cell's axes (made once). */
  private readonly triadAxes: { shaft: Mesh<BufferGeometry, MeshBasicMaterial>; head: Mesh; label: Sprite }[] = [];
  /** The triad's label textures by name (a, b, c; x, y, z for molecules). */
  private readonly triadTextures = new Map<string, Texture>();
  /** Size of the triad viewport, CSS pixels (0 hides it). */
  triadSize = 120;

  private lattice: Mat3 | null = null;
  private repeats: [number, number, number] = [1, 1, 1];
  private frameRequested = 0;
  private disposed = false;
  private hoverPending: PointerEvent | null = null;
  private hoverFrame = 0;
  private down: { x: number; y: number } | null = null;
  private lastHover: number | null = null;
  private readonly cleanup: (() => void)[] = [];

  constructor(canvas: HTMLCanvasElement, options: CrystalSceneOptions = {}) {
    this.canvas = canvas;
    this.options = options;
    this.renderer = new WebGLRenderer({ canvas, antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(options.background ?? '#ffffff', 1);

    this.camera = new PerspectiveCamera(FOV, 1, 0.1, 1000);
    this.camera.position.set(0, 0, 20);
    const headlight = new DirectionalLight(0xffffff, 2.2);
    headlight.position.set(0.6, 0.8, 1);
    this.camera.add(headlight);
    this.scene.add(this.camera);
    this.scene.add(new AmbientLight(0xffffff, 1.1));


    this.scene.add(this.spheres.mesh);
    this.scene.add(this.sticks.mesh);
    this.scene.add(this.cellEdges, this.supercellBox, ...this.cellAxes);
    for (const color of AXIS_COLORS) {
      const material = new MeshBasicMaterial({ color });
      const axis = {
        shaft: new Mesh(this.triadShaft, material),
        head: new Mesh(this.triadHead, material),
        label: new Sprite(new SpriteMaterial({ depthTest: false, transparent: true })),
      };
      axis.label.scale.set(0.62, 0.62, 1);
      this.triadAxes.push(axis);
      this.triadScene.add(axis.shaft, axis.head, axis.label);
    }
    this.orientTriad(null); // its labels have their textures before the first frame is drawn

    this.haloMesh = new InstancedMesh(this.haloGeometry, this.haloMaterial, 3);
    this.haloMesh.count = 0;
    this.haloMesh.frustumCulled = false;
    this.haloMesh.renderOrder = 10;
    this.scene.add(this.haloMesh);

    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.zoomSpeed = 1.2;
    this.controls.addEventListener('change', this.requestRender);

    this.listen(canvas, 'pointermove', (e) => this.onPointerMove(e as PointerEvent));
    this.listen(canvas, 'pointerleave', () => this.setHover(null));
    this.listen(canvas, 'pointerdown', (e) => {
      const p = e as PointerEvent;
      this.down = { x: p.clientX, y: p.clientY };
    });
    this.listen(canvas, 'pointerup', (e) => this.onPointerUp(e as PointerEvent));
    this.resize();
  }

  private listen(target: EventTarget, type: string, fn: (e: Event) => void): void {
    target.addEventListener(type, fn);
    this.cleanup.push(() => target.removeEventListener(type, fn));
  }

  // ---- data ---------------------------------------------------------------

  /** Replaces the atoms (positions, colours, radii). */
  setAtoms(data: AtomData): void {
    this.atoms = data;
    this.spheres.set(data.positions, data.radii, toLinear(data.colors));
    this.updateHalos();
    this.requestRender();
  }

  /** New radii for the current atoms (e.g. the radius slider). */
  setAtomRadii(radii: Float32Array): void {
    if (!this.atoms || radii.length !== this.atoms.radii.length) return;
    this.atoms = { ...this.atoms, radii };
    this.spheres.setRadii(radii);
    this.updateHalos();
    this.requestRender();
  }

  /** New colours for the current atoms (highlighting, dimming, per-atom values). */
  setAtomColors(colors: Float32Array): void {
    if (!this.atoms || colors.length !== this.atoms.colors.length) return;
    this.atoms = { ...this.atoms, colors };
    this.spheres.setColors(toLinear(colors));
    this.requestRender();
  }


  /** Replaces the sticks (half-bonds); null removes them. */
  setBonds(data: StickData | null): void {
    if (!data || data.colors.length === 0) this.sticks.clear();
    else this.sticks.set(data.start, data.end, toLinear(data.colors), data.radius);
    this.requestRender();
  }

  /** Sets (or with null removes) the arrows named `key`, e.g. 'predicted' and 'reference' forces. */
  setArrows(key: string, data: ArrowData | null): void {
    let glyphs = this.arrows.get(key);
    if (!data) {
      if (glyphs) {
        this.scene.remove(glyphs.group);
        glyphs.dispose();
        this.arrows.delete(key);
      }
    } else {
      if (!glyphs) {
        glyphs = new ArrowGlyphs();
        this.arrows.set(key, glyphs);
        this.scene.add(glyphs.group);
      }
      glyphs.set(data);
    }
    this.requestRender();
  }

  /** Arrows drawn per set (for tests and readouts). */
  arrowCounts(): Record<string, number> {
    return Object.fromEntries([...this.arrows].map(([k, g]) => [k, g.count]));
  }

  /** Line segments with per-vertex colours (graph edges); null removes them. */
  setLines(data: LineData | null): void {
    if (this.lines) {
      this.scene.remove(this.lines);
      this.lines.geometry.dispose();
      this.lines = null;
    }
    if (data && data.positions.length > 0) {
      const g = new BufferGeometry();
      g.setAttribute('position', new BufferAttribute(data.positions, 3));
      const lin = new Float32Array(data.colors.length);
      for (let i = 0; i < lin.length; i++) lin[i] = srgbToLinear(data.colors[i]);
      g.setAttribute('color', new BufferAttribute(lin, 3));
      this.lines = new LineSegments(g, this.lineMaterial);
      this.lines.frustumCulled = false;
      this.scene.add(this.lines);
    }
    this.requestRender();
  }

  /** Labels drawn over atoms, always in front, a fixed size on screen; null removes them. */
  setLabels(data: LabelData | null): void {
    const used = new Set(data?.texts ?? []);
    for (const [text, m] of this.labelMaterials) {
      if (used.has(text)) continue;
      m.material.map?.dispose();
      m.material.dispose();
      this.labelMaterials.delete(text);
    }
    const texts = data?.texts ?? [];
    const gone = this.labelSprites.splice(texts.length);
    if (gone.length > 0) this.scene.remove(...gone);
    texts.forEach((text, k) => {
      let m = this.labelMaterials.get(text);
      if (!m) {
        const { texture, aspect } = textTexture(text, '#1b1f24', '600 40px system-ui, sans-serif');
        m = { material: new SpriteMaterial({ map: texture, depthTest: false, transparent: true, sizeAttenuation: false }), aspect };
        this.labelMaterials.set(text, m);
      }
      let sprite = this.labelSprites[k];
      if (!sprite) {
        sprite = new Sprite(m.material);
        sprite.renderOrder = 20;
        this.labelSprites.push(sprite);
        this.scene.add(sprite);
      }
      sprite.material = m.material;
      sprite.position.set(data!.positions[3 * k], data!.positions[3 * k + 1], data!.positions[3 * k + 2]);
    });
    this.sizeLabels();
    this.requestRender();
  }

  /** The texts of the labels drawn (for tests and readouts). */
  labelTexts(): string[] {
    const byMaterial = new Map([...this.labelMaterials].map(([text, m]) => [m.material, text]));
    return this.labelSprites.map((s) => byMaterial.get(s.material as SpriteMaterial) ?? '');
  }

  /** Labels keep LABEL_PIXELS on screen: sprites without size attenuation are sized in view units at distance 1. */
  private sizeLabels(): void {
    const h = Math.max(1, this.canvas.clientHeight);
    const height = (LABEL_PIXELS / h) * 2 * Math.tan(((FOV / 2) * Math.PI) / 180);
    const aspect = new Map([...this.labelMaterials.values()].map((m) => [m.material, m.aspect]));
    for (const s of this.labelSprites) s.scale.set(height * (aspect.get(s.material as SpriteMaterial) ?? 1), height, 1);
  }

  /** Coordination polyhedra (faces and outlines); null removes them. */
  setPolyhedra(data: PolyhedronData | null): void {
    for (const o of [this.polyhedronFaces, this.polyhedronEdges]) {
      if (!o) continue;
      this.scene.remove(o);
      o.geometry.dispose();
    }
    this.polyhedronFaces = null;
    this.polyhedronEdges = null;
    if (data && data.triangles.length > 0) {
      const g = new BufferGeometry();
      g.setAttribute('position', new BufferAttribute(data.triangles, 3));
      g.setAttribute('color', new BufferAttribute(toLinear(data.colors), 3));
      g.computeVertexNormals(); // not indexed: flat faces
      this.polyhedronFaces = new Mesh(g, this.polyhedronMaterial);
      this.polyhedronFaces.renderOrder = 5; // after the opaque atoms and bonds
      const e = new BufferGeometry();
      e.setAttribute('position', new BufferAttribute(data.edges, 3));
      this.polyhedronEdges = new LineSegments(e, this.polyhedronEdgeMaterial);
      this.scene.add(this.polyhedronFaces, this.polyhedronEdges);
    }
    this.requestRender();
  }

  /** What is drawn of the polyhedra: triangles and outline segments (for tests and readouts). */
  polyhedronCounts(): { triangles: number; edges: number } {
    return {
      triangles: (this.polyhedronFaces?.geometry.getAttribute('position').count ?? 0) / 3,
      edges: (this.polyhedronEdges?.geometry.getAttribute('position').count ?? 0) / 2,
    };
  }

  /** The unit cell (and the supercell box when repeated) with labelled a, b, c edges; null hides it. */
  setCell(lattice: Mat3 | null, repeats: [number, number, number] = [1, 1, 1], visible = true): void {
    this.lattice = lattice;
    this.repeats = repeats;
    const shown = !!lattice && visible;
    for (const l of [this.cellEdges, this.supercellBox, ...this.cellAxes]) l.visible = shown;
    this.supercellBox.visible &&= repeats[0] * repeats[1] * repeats[2] > 1;
    if (lattice && shown) {
      const unit = boxEdges(lattice);
      // Edges 0, 4, 8 are the a, b, c edges from the origin; the others are grey.
      const grey = new Float32Array(unit.length - 18);
      let w = 0;
      for (let e = 0; e < 12; e++) if (e % 4 !== 0) for (let d = 0; d < 6; d++) grey[w++] = unit[6 * e + d];
      moveLines(this.cellEdges, grey);
      if (this.supercellBox.visible) moveLines(this.supercellBox, boxEdges(lattice, repeats));
      this.cellAxes.forEach((l, k) => moveLines(l, unit.subarray(24 * k, 24 * k + 6)));
    }
    this.orientTriad(lattice);
    this.requestRender();
  }

  /** Turns the corner triad's arrows to the cell's a, b, c (x, y, z for molecules), labelled. */
  private orientTriad(lattice: Mat3 | null): void {
    const axes: number[][] = lattice ?? [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const names = lattice ? ['a', 'b', 'c'] : ['x', 'y', 'z'];
    const up = new Vector3(0, 1, 0);
    this.triadAxes.forEach(({ shaft, head, label }, k) => {
      const dir = new Vector3(axes[k][0], axes[k][1], axes[k][2]).normalize();
      const q = new Quaternion().setFromUnitVectors(up, dir);
      shaft.quaternion.copy(q);
      head.quaternion.copy(q);
      head.position.copy(dir.clone().multiplyScalar(0.92));
      label.position.copy(dir.clone().multiplyScalar(1.45));
      let texture = this.triadTextures.get(names[k]);
      if (!texture) {
        texture = textTexture(names[k], AXIS_COLORS[k], 'italic 600 44px system-ui, sans-serif').texture;
        this.triadTextures.set(names[k], texture);
      }
      label.material.map = texture;
    });
  }

  /** Highlights up to three atoms (picked for a measurement). */
  setHighlighted(indices: readonly number[]): void {
    this.highlighted = indices.slice(0, 3);
    this.updateHalos();
    this.requestRender();
  }
  private highlighted: number[] = [];

  private updateHalos(): void {
    const data = this.atoms;
    const list = data ? this.highlighted.filter((i) => i < data.radii.length) : [];
    const mtx = new Matrix4();
    list.forEach((i, k) => {
      const s = data!.radii[i] * 1.35 + 0.08;
      mtx.makeScale(s, s, s);
      mtx.setPosition(data!.positions[3 * i], data!.positions[3 * i + 1], data!.positions[3 * i + 2]);
      this.haloMesh.setMatrixAt(k, mtx);
    });
    this.haloMesh.count = list.length;
    this.haloMesh.instanceMatrix.needsUpdate = true;
  }

  setVisibility(v: { atoms?: boolean; bonds?: boolean }): void {
    if (v.atoms !== undefined) this.spheres.mesh.visible = this.atomsVisible = v.atoms;
    if (v.bonds !== undefined) this.sticks.mesh.visible = v.bonds;
    this.requestRender();
  }

  setBackground(css: string): void {
    this.renderer.setClearColor(css, 1);
    this.requestRender();
  }

  // ---- camera -------------------------------------------------------------

  private bounds() {
    const pts: number[] = [];
    let pad = 0;
    if (this.atoms) {
      const { positions, radii } = this.atoms;
      for (let i = 0; i < positions.length; i++) pts.push(positions[i]);
      for (let i = 0; i < radii.length; i++) pad = Math.max(pad, radii[i]);
    }
    if (this.lattice) {
      const e = boxEdges(this.lattice, this.repeats);
      for (let i = 0; i < e.length; i++) pts.push(e[i]);
    }
    return boundingSphere(pts, pad);
  }

  private applyView(v: ViewDirection): void {
    const { center, radius } = this.bounds();
    const aspect = this.camera.aspect || 1;
    const dist = fitDistance(radius, FOV, aspect);
    this.controls.target.set(center[0], center[1], center[2]);
    this.camera.up.set(v.up[0], v.up[1], v.up[2]);
    this.camera.position.set(center[0] + v.toCamera[0] * dist, center[1] + v.toCamera[1] * dist, center[2] + v.toCamera[2] * dist);
    this.camera.near = Math.max(0.01, dist - radius * 3);
    this.camera.far = dist + radius * 4;
    this.camera.near = Math.max(0.01, Math.min(this.camera.near, dist / 10));
    this.camera.lookAt(this.controls.target);
    this.camera.updateProjectionMatrix();
    this.controls.minDistance = radius * 0.05;
    this.controls.maxDistance = dist * 6;
    this.controls.update();
    this.requestRender();
  }

  /** The default oblique view, framing everything. */
  resetView(): void {
    this.applyView(defaultView(this.lattice));
  }

  /** Looks down a lattice vector. */
  viewAlong(axis: ViewAxis): void {
    this.applyView(viewAlong(axis, this.lattice));
  }

  resize(): void {
    const w = Math.max(1, this.canvas.clientWidth);
    const h = Math.max(1, this.canvas.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.sizeLabels();
    this.requestRender();
  }

  // ---- picking --------------------------------------------------------------

  /** Index of the atom under a point of the canvas (CSS pixels from its top-left), or null. */
  pick(x: number, y: number): number | null {
    if (!this.atomsVisible || this.spheres.count === 0) return null;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const ndc = new Vector2((x / w) * 2 - 1, -(y / h) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.camera);
    return this.spheres.raycast(this.raycaster.ray);
  }

  /** The sRGB colour a drawn atom was given (for tests and readouts), or null. */
  atomColor(index: number): [number, number, number] | null {
    const c = this.atoms?.colors;
    if (!c || index < 0 || 3 * index + 2 >= c.length) return null;
    return [c[3 * index], c[3 * index + 1], c[3 * index + 2]];
  }

  /** Canvas position (CSS pixels) of a display atom, for tests and labels. */
  project(index: number): { x: number; y: number } | null {
    if (!this.atoms || index >= this.atoms.radii.length) return null;
    const p = this.atoms.positions;
    const v = new Vector3(p[3 * index], p[3 * index + 1], p[3 * index + 2]).project(this.camera);
    return { x: ((v.x + 1) / 2) * this.canvas.clientWidth, y: ((1 - v.y) / 2) * this.canvas.clientHeight };
  }

  private onPointerMove(e: PointerEvent): void {
    if (e.buttons !== 0) {
      this.setHover(null);
      return;
    }
    this.hoverPending = e;
    if (this.hoverFrame) return;
    this.hoverFrame = requestAnimationFrame(() => {
      this.hoverFrame = 0;
      const ev = this.hoverPending;
      this.hoverPending = null;
      if (!ev || this.disposed) return;
      const rect = this.canvas.getBoundingClientRect();
      const x = ev.clientX - rect.left;
      const y = ev.clientY - rect.top;
      const index = this.pick(x, y);
      this.setHover(index === null ? null : { index, x, y });
    });
  }

  private setHover(hit: HoverHit | null): void {
    if (hit === null && this.lastHover === null) return;
    this.lastHover = hit?.index ?? null;
    this.options.onHover?.(hit);
  }

  private onPointerUp(e: PointerEvent): void {
    const d = this.down;
    this.down = null;
    if (!d || Math.hypot(e.clientX - d.x, e.clientY - d.y) > 4 || e.button !== 0) return;
    const rect = this.canvas.getBoundingClientRect();
    this.options.onPick?.(this.pick(e.clientX - rect.left, e.clientY - rect.top), e);
  }

  // ---- rendering ------------------------------------------------------------

  readonly requestRender = (): void => {
    if (this.disposed || this.frameRequested) return;
    this.frameRequested = requestAnimationFrame(() => {
      this.frameRequested = 0;
      this.renderNow();
    });
  };

  renderNow(): void {
    if (this.disposed) return;
    const r = this.renderer;
    r.render(this.scene, this.camera);
    const size = Math.min(this.triadSize, this.canvas.clientWidth / 3, this.canvas.clientHeight / 3);
    if (size >= 40) {
      const toCamera = new Vector3().subVectors(this.camera.position, this.controls.target).normalize();
      this.triadCamera.position.copy(toCamera.multiplyScalar(5));
      this.triadCamera.quaternion.copy(this.camera.quaternion);
      this.triadCamera.updateMatrixWorld();
      r.autoClear = false;
      r.setScissorTest(true);
      r.setScissor(6, 6, size, size);
      r.setViewport(6, 6, size, size);
      r.clearDepth();
      r.render(this.triadScene, this.triadCamera);
      r.setScissorTest(false);
      r.setViewport(0, 0, this.canvas.clientWidth, this.canvas.clientHeight);
      r.autoClear = true;
    }
  }

  /**
   * PNG of the current view at `scale` image pixels per CSS pixel (1, 2, 4: the view re-rendered at
   * that resolution, not magnified), with the element legend drawn in when given; with
   * `transparent` the background is left out.
   */
  async toBlob(options: { transparent?: boolean; scale?: number; legend?: LegendEntry[] } = {}): Promise<Blob> {
    const scale = options.scale ?? 1;
    if (!(scale >= 1 && scale <= 4)) throw new Error(`an export scale of ${scale} is not offered (1× to 4×)`);
    const r = this.renderer;
    const alpha = r.getClearAlpha();
    const ratio = r.getPixelRatio();
    const gl = r.getContext();
    const limit = gl.getParameter(gl.MAX_RENDERBUFFER_SIZE) as number;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (Math.max(w, h) * scale > limit) throw new Error(`a ${scale}× image of this view would be ${Math.round(w * scale)} × ${Math.round(h * scale)} pixels, more than this GPU renders (${limit}): choose a smaller scale or a smaller window`);
    try {
      if (options.transparent) r.setClearAlpha(0);
      r.setPixelRatio(scale);
      this.renderNow();
      const out = document.createElement('canvas');
      out.width = this.canvas.width;
      out.height = this.canvas.height;
      const ctx = out.getContext('2d');
      if (!ctx) throw new Error('the image could not be composed (no 2D canvas)');
      ctx.drawImage(this.canvas, 0, 0);
      const layout = legendLayout(options.legend ?? [], out.width, scale, (text, font) => {
        ctx.font = font;
        return ctx.measureText(text).width;
      });
      if (layout) drawLegend(ctx, layout, scale);
      const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, 'image/png'));
      if (!blob) throw new Error('the canvas could not be exported');
      return blob;
    } finally {
      r.setPixelRatio(ratio);
      r.setClearAlpha(alpha);
      this.renderNow();
    }
  }

  private removeMesh(mesh: InstancedMesh | null): void {
    if (!mesh) return;
    this.scene.remove(mesh);
    mesh.dispose(); // instance buffers; shared geometry and material stay
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.frameRequested) cancelAnimationFrame(this.frameRequested);
    if (this.hoverFrame) cancelAnimationFrame(this.hoverFrame);
    for (const c of this.cleanup) c();
    this.controls.removeEventListener('change', this.requestRender);
    this.controls.dispose();
    for (const l of [this.cellEdges, this.supercellBox, ...this.cellAxes]) {
      l.geometry.dispose();
      l.material.dispose();
    }
    for (const { shaft, label } of this.triadAxes) {
      shaft.material.dispose();
      label.material.dispose();
    }
    for (const t of this.triadTextures.values()) t.dispose();
    this.triadShaft.dispose();
    this.triadHead.dispose();
    this.setLines(null);
    this.setPolyhedra(null);
    this.setLabels(null);
    this.polyhedronMaterial.dispose();
    this.polyhedronEdgeMaterial.dispose();
    for (const key of [...this.arrows.keys()]) this.setArrows(key, null);
    this.scene.remove(this.spheres.mesh);
    this.spheres.dispose();
    this.scene.remove(this.sticks.mesh);
    this.sticks.dispose();
    this.removeMesh(this.haloMesh);
    this.haloGeometry.dispose();
    this.haloMaterial.dispose();
    this.lineMaterial.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.atoms = null;
  }
}
