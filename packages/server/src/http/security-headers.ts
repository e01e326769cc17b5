import type { RequestHandler } from 'express';

/**
 * The dashboard's Content-Security-Policy: its own scripts, styles and API only, no inline script or
 * style attribute, no framing, no plugins, no form posts.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers of every answer: `nosniff`, and `Cache-Control: no-store` (answers carry request data:
 * state, results, node detail, lists, events) except on `/healthz` and the dashboard's files.
 */
export const apiHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.path !== '/healthz' && req.path !== '/dashboard' && !req.path.startsWith('/dashboard/')) {
    res.setHeader('Cache-Control', 'no-store');
  }
  next();
};

/** Headers of the dashboard's files: CSP, no framing, no referrer. */
export const dashboardHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};
