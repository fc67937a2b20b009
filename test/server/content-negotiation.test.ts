import { describe, expect, it } from 'vitest';
import { negotiateReportFormat } from '../../src/server/content-negotiation.js';

const ALL = ['json', 'html', 'markdown'] as const;

describe('negotiateReportFormat', () => {
  it.each([
    [undefined, ALL, 'json'],
    ['', ALL, 'json'],
    ['*/*', ALL, 'json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', ALL, 'html'],
    ['text/markdown', ALL, 'markdown'],
    ['text/*', ALL, 'html'],
    ['text/*;q=0.5, application/json;q=0.4', ALL, 'html'],
    ['text/html;q=0.2, text/markdown;q=0.9', ALL, 'markdown'],
    ['text/html;q=0, */*', ALL, 'json'],
    ['application/json;q=0, text/html;q=0', ['json', 'html'], undefined],
    ['image/png', ALL, undefined],
    ['text/html', ['json'], undefined],
    ['TEXT/HTML', ALL, 'html'],
    ['text/html;q=abc, application/json', ALL, 'json'],
  ] as const)('picks from %s', (accept, available, expected) => {
    expect(negotiateReportFormat(accept, available)).toBe(expected);
  });
});
