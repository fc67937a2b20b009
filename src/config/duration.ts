const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Converts a duration such as `15m` or `30d` to milliseconds. The schema has already checked the form. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) {
    throw new RangeError(`Invalid duration "${text}": use a number and a unit (ms, s, m, h or d), such as 15m.`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
