import type { ReportFormat } from './request-schemas.js';

const MEDIA_TYPES: Record<ReportFormat, string> = {
  json: 'application/json',
  html: 'text/html',
  markdown: 'text/markdown',
};

/** The `Content-Type` for each report format. */
export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
};

interface MediaRange {
  type: string;
  subtype: string;
  quality: number;
  order: number;
}

/**
 * Picks the report format an `Accept` header prefers (RFC 9110 section 12.5.1:
 * quality values, then the most specific range). `available` lists the formats
 * in the server's own order of preference, which breaks ties. Returns the first
 * available format when the header is absent, and undefined when the header
 * accepts none of them.
 */
export function negotiateReportFormat(accept: string | undefined, available: readonly ReportFormat[]): ReportFormat | undefined {
  if (accept === undefined || accept.trim() === '') {
    return available[0];
  }

  const ranges = parseAccept(accept);
  let best: { format: ReportFormat; quality: number; specificity: number; order: number } | undefined;

  for (const format of available) {
    const [type, subtype] = MEDIA_TYPES[format].split('/') as [string, string];
    const range = ranges
      .filter((candidate) => matches(candidate, type, subtype))
      .sort((a, b) => specificity(b) - specificity(a))[0];
    if (range === undefined || range.quality === 0) {
      continue;
    }
    const isBetter =
      best === undefined ||
      range.quality > best.quality ||
      (range.quality === best.quality && specificity(range) > best.specificity) ||
      (range.quality === best.quality && specificity(range) === best.specificity && range.order < best.order);
    if (isBetter) {
      best = { format, quality: range.quality, specificity: specificity(range), order: range.order };
    }
  }
  return best?.format;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(',').forEach((part, order) => {
    const [mediaRange = '', ...parameters] = part.split(';').map((piece) => piece.trim());
    const [type, subtype] = mediaRange.toLowerCase().split('/');
    if (type === undefined || subtype === undefined || type === '' || subtype === '') {
      return;
    }
    let quality = 1;
    for (const parameter of parameters) {
      const [name, value] = parameter.split('=').map((piece) => piece.trim());
      if (name?.toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value);
        quality = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    ranges.push({ type, subtype, quality, order });
  });
  return ranges;
}

function matches(range: MediaRange, type: string, subtype: string): boolean {
  if (range.type === '*') {
    return range.subtype === '*';
  }
  return range.type === type && (range.subtype === '*' || range.subtype === subtype);
}

function specificity(range: MediaRange): number {
  if (range.type === '*') {
    return 0;
  }
  return range.subtype === '*' ? 1 : 2;
}
