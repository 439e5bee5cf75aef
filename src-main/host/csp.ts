/**
 * The Content-Security-Policy of the renderer, one policy for both modes: browser mode sends it as
 * a header (`CONTENT_SECURITY_POLICY`); the desktop window loads index.html from disk, where the
 * same policy is its meta tag (`META_CONTENT_SECURITY_POLICY`: every directive but
 * frame-ancestors, which a meta tag cannot carry — nothing can frame the desktop window, whose
 * navigation and webviews are refused). test/main/security/csp.test.ts keeps index.html's meta
 * tag equal to it.
 */
export const CSP_DIRECTIVES: readonly string[] = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.join('; ');

/** What index.html's meta tag must say. */
export const META_CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ');
