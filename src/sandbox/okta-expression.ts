/**
 * The subset of Okta's `search` and `filter` expression language that the
 * local Okta server understands: comparisons joined by `and`, `or` and
 * parentheses, for example `status eq "ACTIVE" or lastUpdated gt "2026-01-01T00:00:00.000Z"`.
 *
 * Anything outside the subset raises `UnsupportedExpressionError`, which the
 * server turns into Okta's `400 E0000031` reply, so a connector that starts
 * sending a new kind of expression fails loudly instead of reading the wrong
 * users.
 */

export type ComparisonOperator = 'eq' | 'sw' | 'co' | 'gt' | 'ge' | 'lt' | 'le';

/** A parsed expression tree. */
export type Expression =
  | { kind: 'comparison'; attribute: string; operator: ComparisonOperator; value: string }
  | { kind: 'and' | 'or'; left: Expression; right: Expression };

/** Looks up an attribute on one record; an array means "matches when any element matches". */
export type AttributeReader = (attribute: string) => string | string[] | undefined;

export interface EvaluateOptions {
  /** Okta compares `search` values case-insensitively and `filter` values case-sensitively. */
  isCaseSensitive: boolean;
  /** Attributes compared as ISO 8601 times rather than as text. */
  timeAttributes: ReadonlySet<string>;
}

/** The expression uses syntax or an attribute the local server does not support. */
export class UnsupportedExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedExpressionError';
  }
}

const OPERATORS = new Set<string>(['eq', 'sw', 'co', 'gt', 'ge', 'lt', 'le']);

/**
 * Parses `text`, accepting only the attributes for which `isAllowedAttribute`
 * returns true. Raises `UnsupportedExpressionError` on anything else.
 */
export function parseExpression(text: string, isAllowedAttribute: (attribute: string) => boolean): Expression {
  const tokens = tokenize(text);
  let position = 0;

  const peek = (): string | undefined => tokens[position];
  const take = (): string => {
    const token = tokens[position];
    if (token === undefined) {
      throw new UnsupportedExpressionError(`Unexpected end of expression: ${text}`);
    }
    position += 1;
    return token;
  };

  const parseOr = (): Expression => {
    let left = parseAnd();
    while (peek()?.toLowerCase() === 'or') {
      take();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };

  const parseAnd = (): Expression => {
    let left = parseFactor();
    while (peek()?.toLowerCase() === 'and') {
      take();
      left = { kind: 'and', left, right: parseFactor() };
    }
    return left;
  };

  const parseFactor = (): Expression => {
    if (peek() === '(') {
      take();
      const inner = parseOr();
      if (take() !== ')') {
        throw new UnsupportedExpressionError(`Missing closing parenthesis in: ${text}`);
      }
      return inner;
    }
    const attribute = take();
    if (!isAllowedAttribute(attribute)) {
      throw new UnsupportedExpressionError(`Unsupported attribute "${attribute}" in: ${text}`);
    }
    const operator = take().toLowerCase();
    if (!OPERATORS.has(operator)) {
      throw new UnsupportedExpressionError(`Unsupported operator "${operator}" in: ${text}`);
    }
    const quoted = take();
    if (!quoted.startsWith('"')) {
      throw new UnsupportedExpressionError(`Expected a quoted value after "${attribute} ${operator}" in: ${text}`);
    }
    return { kind: 'comparison', attribute, operator: operator as ComparisonOperator, value: quoted.slice(1, -1) };
  };

  const expression = parseOr();
  if (position !== tokens.length) {
    throw new UnsupportedExpressionError(`Unexpected "${tokens[position] ?? ''}" in: ${text}`);
  }
  return expression;
}

/** Returns true when the record read by `read` matches `expression`. */
export function evaluateExpression(expression: Expression, read: AttributeReader, options: EvaluateOptions): boolean {
  if (expression.kind !== 'comparison') {
    const left = evaluateExpression(expression.left, read, options);
    return expression.kind === 'and'
      ? left && evaluateExpression(expression.right, read, options)
      : left || evaluateExpression(expression.right, read, options);
  }
  const found = read(expression.attribute);
  const values = found === undefined ? [] : Array.isArray(found) ? found : [found];
  return values.some((value) => compare(value, expression, options));
}

function compare(
  actual: string,
  comparison: Extract<Expression, { kind: 'comparison' }>,
  options: EvaluateOptions,
): boolean {
  if (options.timeAttributes.has(comparison.attribute)) {
    const left = Date.parse(actual);
    const right = Date.parse(comparison.value);
    if (Number.isNaN(right)) {
      throw new UnsupportedExpressionError(`"${comparison.value}" is not an ISO 8601 time`);
    }
    return compareOrdered(left - right, comparison.operator);
  }

  const left = options.isCaseSensitive ? actual : actual.toLowerCase();
  const right = options.isCaseSensitive ? comparison.value : comparison.value.toLowerCase();
  switch (comparison.operator) {
    case 'eq':
      return left === right;
    case 'sw':
      return left.startsWith(right);
    case 'co':
      return left.includes(right);
    default:
      return compareOrdered(left.localeCompare(right), comparison.operator);
  }
}

function compareOrdered(difference: number, operator: ComparisonOperator): boolean {
  switch (operator) {
    case 'eq':
      return difference === 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    default:
      throw new UnsupportedExpressionError(`Operator "${operator}" does not apply to times`);
  }
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '(' || char === ')') {
      tokens.push(char);
      index += 1;
    } else if (char === '"') {
      const end = text.indexOf('"', index + 1);
      if (end === -1) {
        throw new UnsupportedExpressionError(`Unterminated string in: ${text}`);
      }
      tokens.push(text.slice(index, end + 1));
      index = end + 1;
    } else {
      const match = /^[^\s()"]+/.exec(text.slice(index));
      const word = match?.[0] ?? char;
      tokens.push(word);
      index += word.length;
    }
  }
  return tokens;
}
