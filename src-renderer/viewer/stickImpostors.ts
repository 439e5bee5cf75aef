/**
 * Sticks (bonds) as ray-cast cylinder impostors: one quad per stick spanning its axis,
 * turned towards the camera; the fragment shader intersects the view ray with the
 * finite cylinder (after Inigo Quilez's ray–capped-cylinder, with flat caps), shades it and
 * writes the true depth.
 */
import { ShaderMaterial } from 'three';
import { Impostors, shadeImpostor } from './impostors';

const vertexShader = /* glsl */ `
uniform float stickRadius;
attribute vec3 pa;
attribute vec3 pb;
attribute vec3 icolor;
varying vec3 vColor;
varying vec3 vA;
varying vec3 vB;
varying vec3 vPos;
void main() {
  vec3 a = (modelViewMatrix * vec4(pa, 1.0)).xyz;
  vec3 b = (modelViewMatrix * vec4(pb, 1.0)).xyz;
  vec3 axis = b - a;
  float len = max(length(axis), 1e-6);
  vec3 u = axis / len;
  vec3 mid = 0.5 * (a + b);
  vec3 toCam = normalize(-mid);
  vec3 side = cross(u, toCam);
  float sl = length(side);
  side = sl > 1e-4 ? side / sl : normalize(cross(u, abs(u.y) < 0.99 ? vec3(0.0, 1.0, 0.0) : vec3(1.0, 0.0, 0.0)));
  // The quad lies in the plane of the axis facing the camera, moved towards it by the radius
  // and widened a little so that the silhouette is covered under perspective.
  float r = stickRadius;
  float along = position.y > 0.0 ? len + r : -r;
  vec3 pos = a + u * along + side * position.x * r * 1.25 + toCam * r;
  vPos = pos;
  vA = a;
  vB = b;
  vColor = icolor;
  gl_Position = projectionMatrix * vec4(pos, 1.0);
}
`;

const fragmentShader = /* glsl */ `
uniform float stickRadius;
varying vec3 vColor;
${shadeImpostor}
varying vec3 vA;
varying vec3 vB;
varying vec3 vPos;
void main() {
  vec3 rd = normalize(vPos);
  vec3 ba = vB - vA;
  float L = length(ba);
  vec3 u = ba / max(L, 1e-6);
  vec3 oc = -vA;
  float card = dot(u, rd);
  float caoc = dot(u, oc);
  float a = 1.0 - card * card;
  float b = dot(oc, rd) - caoc * card;
  float c = dot(oc, oc) - caoc * caoc - stickRadius * stickRadius;
  float h = b * b - a * c;
  if (h < 0.0 || a < 1e-8) discard;
  float t = (-b - sqrt(h)) / a;
  float y = caoc + t * card;
  vec3 p;
  vec3 n;
  if (y >= 0.0 && y <= L) {
    p = rd * t;
    n = normalize(p - vA - u * y);
  } else {
    // Flat cap at the end the ray entered through (the stub ends of bonds leaving the cell).
    vec3 e = y < 0.0 ? vA : vB;
    vec3 cn = y < 0.0 ? -u : u;
    float denom = dot(rd, cn);
    if (abs(denom) < 1e-6) discard;
    float tc = dot(e, cn) / denom;
    p = rd * tc;
    if (tc <= 0.0 || length(p - e) > stickRadius) discard;
    n = cn;
  }
  shadeImpostor(p, n, rd, 40.0, 0.2);
}
`;

export class StickImpostors extends Impostors {
  constructor() {
    // x: −1..1 across the stick, y: 0 at the start, 1 at the end.
    super(new ShaderMaterial({ vertexShader, fragmentShader, uniforms: { stickRadius: { value: 0.13 } } }), [-1, 0, 0, 1, 0, 0, 1, 1, 0, -1, 1, 0], [
      ['pa', 3],
      ['pb', 3],
      ['icolor', 3],
    ]);
  }

  /** Starts and ends (3 floats each per stick), linear-RGB colours, radius (Å). */
  set(start: Float32Array, end: Float32Array, linearColors: Float32Array, radius: number): void {
    const n = linearColors.length / 3;
    this.ensure(n);
    this.put('pa', start, n);
    this.put('pb', end, n);
    this.put('icolor', linearColors, n);
    this.material.uniforms.stickRadius.value = radius;
    this.setCount(n);
  }

  clear(): void {
    this.setCount(0);
  }
}
