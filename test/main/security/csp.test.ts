/** One Content-Security-Policy: the desktop window's meta tag says what browser mode's header says. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, CSP_DIRECTIVES, META_CONTENT_SECURITY_POLICY } from '../../../src-main/host/csp';

const html = readFileSync(new URL('../../../src-renderer/index.html', import.meta.url), 'utf8');

function metaPolicy(text: string): string | null {
  const tag = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/i.exec(text);
  return tag ? tag[1] : null;
}

describe('Content-Security-Policy', () => {
  it("index.html's meta tag is the header's policy (less frame-ancestors, which a meta tag cannot carry)", () => {
    expect(html.match(/Content-Security-Policy/g)).toHaveLength(1);
    expect(metaPolicy(html)).toBe(META_CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toBe(`${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
  });

  it('is strict: no inline or evaluated script, same-origin connections only, no plugins, base or form targets', () => {
    const byName = new Map(CSP_DIRECTIVES.map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(byName.get('script-src')).toEqual(["'self'"]);
    expect(byName.get('connect-src')).toEqual(["'self'"]);
    expect(byName.get('object-src')).toEqual(["'none'"]);
    expect(byName.get('base-uri')).toEqual(["'none'"]);
    expect(byName.get('form-action')).toEqual(["'none'"]);
    expect(byName.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\bws:|\bwss:|\*/);
  });
});
