/**
 * A canvas whose WebGL2 context records what three.js asks of it and draws nothing: enough for a
 * `WebGLRenderer` (and so a `CrystalScene`) to run in Node, so that tests can count the shader
 * programs it compiles and read `renderer.info` as frames are shown.
 *
 * GL constants are numbers handed out by name on first use; every method not named here does
 * nothing (`create*` methods return a fresh object). Shaders compile and programs link; each
 * program's one active uniform is a texture `map` (so textures in use are uploaded and counted in
 * `renderer.info.memory`), with no active attributes. The 2D context (canvas-texture labels) measures 20 px per character.
 */

/** What the fake context counts. */
export interface GlCounts {
  /** `createProgram` calls: shader programs compiled. */
  programsCreated: number;
  programsDeleted: number;
  /** `createTexture` calls: textures made on the GPU (three makes one per texture it uploads). */
  texturesCreated: number;
}

const PARAMETERS: Record<string, unknown> = {
  VERSION: 'WebGL 2.0 (fake)',
  SHADING_LANGUAGE_VERSION: 'WebGL GLSL ES 3.00 (fake)',
  VIEWPORT: [0, 0, 400, 300],
  SCISSOR_BOX: [0, 0, 400, 300],
  MAX_RENDERBUFFER_SIZE: 4096,
  MAX_TEXTURE_SIZE: 4096,
  MAX_CUBE_MAP_TEXTURE_SIZE: 4096,
  MAX_SAMPLES: 4,
  SAMPLES: 4,
  UNPACK_ROW_LENGTH: 0,
  UNPACK_IMAGE_HEIGHT: 0,
  UNPACK_SKIP_PIXELS: 0,
  UNPACK_SKIP_ROWS: 0,
  UNPACK_SKIP_IMAGES: 0,
};

function fakeWebGL2(canvas: FakeCanvas, counts: GlCounts): object {
  const constants = new Map<string, number>();
  const names = new Map<number, string>();
  const constant = (name: string): number => {
    let value = constants.get(name);
    if (value === undefined) {
      value = 0x8000 + constants.size;
      constants.set(name, value);
      names.set(value, name);
    }
    return value;
  };
  const methods: Record<string, (...args: never[]) => unknown> = {
    getParameter: (p: number) => {
      const name = names.get(p) ?? '';
      return name in PARAMETERS ? PARAMETERS[name] : name.startsWith('MAX_') ? 16 : 0;
    },
    getExtension: (name: string) => (name === 'WEBGL_lose_context' ? { loseContext: () => undefined, restoreContext: () => undefined } : null),
    getSupportedExtensions: () => [],
    getContextAttributes: () => ({ alpha: true, antialias: true, depth: true, stencil: false, premultipliedAlpha: true, preserveDrawingBuffer: true }),
    getShaderPrecisionFormat: () => ({ precision: 23, rangeMin: 127, rangeMax: 127 }),
    getShaderParameter: () => true,
    getProgramParameter: (_program: never, p: number) => {
      const name = names.get(p);
      return name === 'LINK_STATUS' || (name === 'ACTIVE_UNIFORMS' ? 1 : 0);
    },
    // WebGLUniforms reads types as the GL numbers: 0x8b5e is SAMPLER_2D
    getActiveUniform: () => ({ name: 'map', type: 0x8b5e, size: 1 }),
    getShaderInfoLog: () => '',
    getProgramInfoLog: () => '',
    getShaderSource: () => '',
    checkFramebufferStatus: () => constant('FRAMEBUFFER_COMPLETE'),
    isContextLost: () => false,
    createProgram: () => {
      counts.programsCreated++;
      return {};
    },
    deleteProgram: () => {
      counts.programsDeleted++;
    },
    createTexture: () => {
      counts.texturesCreated++;
      return {};
    },
  };
  const context = { canvas, drawingBufferWidth: 400, drawingBufferHeight: 300 };
  return new Proxy(context, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined;
      if (prop in target) return target[prop as keyof typeof target];
      if (prop in methods) return methods[prop];
      if (/^[A-Z][A-Z0-9_]*$/.test(prop)) return constant(prop);
      return prop.startsWith('create') ? () => ({}) : () => undefined;
    },
  });
}

function fake2d(): object {
  const context = { measureText: (text: string) => ({ width: 20 * text.length }) };
  return new Proxy(context, {
    get: (target, prop) => (prop in target ? target[prop as keyof typeof target] : () => undefined),
    set: () => true,
  });
}

/** A canvas laid out at 400 × 300 CSS pixels; `getContext('webgl2')` is the counting fake. */
export class FakeCanvas extends EventTarget {
  width = 300;
  height = 150;
  clientWidth = 400;
  clientHeight = 300;
  readonly style: Record<string, string> = {};
  readonly ownerDocument = new EventTarget();
  readonly counts: GlCounts = { programsCreated: 0, programsDeleted: 0, texturesCreated: 0 };
  private gl: object | null = null;

  getContext(kind: string): unknown {
    if (kind === '2d') return fake2d();
    if (kind !== 'webgl2') return null;
    this.gl ??= fakeWebGL2(this, this.counts);
    return this.gl;
  }

  getBoundingClientRect() {
    return { left: 0, top: 0, width: this.clientWidth, height: this.clientHeight };
  }
}

/**
 * The browser globals a `CrystalScene` reaches for (window, document for text canvases,
 * requestAnimationFrame: frames are drawn by calling `renderNow()`); pass them to `vi.stubGlobal`.
 */
export const sceneGlobals = {
  window: { devicePixelRatio: 1 },
  document: { createElement: () => new FakeCanvas() },
  requestAnimationFrame: () => 1,
  cancelAnimationFrame: () => undefined,
};
