import { collectValues, isAttributeName, isPlainObject, isWholeExtension, resolveAttributePath, type ResolvedAttribute } from './attribute-path.js';
import { badRequest, ScimError } from './errors.js';
import { findAttribute, type AttributeDefinition, type ResourceModel } from './schemas.js';

/**
 * The SCIM filter grammar of RFC 7644 §3.4.2.2: `eq ne co sw ew gt ge lt le
 * pr`, `and`/`or`/`not`, grouping and value paths such as
 * `emails[type eq "work" and value co "@example.com"]`. Operators and
 * attribute names are case-insensitive; string values are JSON strings with
 * JSON escapes; `caseExact` comes from the schema.
 */

export type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type ComparisonValue = string | number | boolean | null;

/** A parsed filter. */
export type FilterExpression =
  | { kind: 'comparison'; path: string; operator: ComparisonOperator; value: ComparisonValue }
  | { kind: 'present'; path: string }
  | { kind: 'logical'; operator: 'and' | 'or'; left: FilterExpression; right: FilterExpression }
  | { kind: 'not'; operand: FilterExpression }
  | { kind: 'valuePath'; path: string; filter: FilterExpression };

/** A PATCH path (RFC 7644 §3.5.2): an attribute path, optionally with a value filter and a sub-attribute after it. */
export interface PatchPath {
  attributePath: string;
  valueFilter: FilterExpression | undefined;
  subAttribute: string | undefined;
}

/** A compiled filter: true when the full resource representation matches. */
export type ResourcePredicate = (resource: Record<string, unknown>) => boolean;

const COMPARISON_OPERATORS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const ORDERING_OPERATORS = new Set<ComparisonOperator>(['gt', 'ge', 'lt', 'le']);
const SUBSTRING_OPERATORS = new Set<ComparisonOperator>(['co', 'sw', 'ew']);
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

type Token =
  | { kind: 'word'; text: string; offset: number }
  | { kind: 'string'; value: string; offset: number }
  | { kind: '(' | ')' | '[' | ']' | 'end'; offset: number };

/** Parses a filter; throws a 400 `invalidFilter` ScimError on any syntax error. */
export function parseFilter(text: string): FilterExpression {
  const parser = new Parser(tokenize(text, 'invalidFilter'), 'invalidFilter');
  const expression = parser.parseOr(false);
  parser.expectEnd();
  return expression;
}

/** Parses a PATCH path; throws a 400 `invalidPath` ScimError on any syntax error. */
export function parsePatchPath(text: string): PatchPath {
  const parser = new Parser(tokenize(text, 'invalidPath'), 'invalidPath');
  return parser.parsePatchPath();
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly errorType: 'invalidFilter' | 'invalidPath',
  ) {}

  parseOr(insideValuePath: boolean): FilterExpression {
    let left = this.parseAnd(insideValuePath);
    while (this.isKeyword('or')) {
      this.position += 1;
      left = { kind: 'logical', operator: 'or', left, right: this.parseAnd(insideValuePath) };
    }
    return left;
  }

  parsePatchPath(): PatchPath {
    const attributePath = this.expectWord('an attribute path');
    if (this.peek().kind === 'end') {
      return { attributePath, valueFilter: undefined, subAttribute: undefined };
    }
    this.expect('[');
    const valueFilter = this.parseOr(true);
    this.expect(']');
    let subAttribute: string | undefined;
    const next = this.peek();
    if (next.kind === 'word' && next.text.startsWith('.')) {
      subAttribute = next.text.slice(1);
      if (!isAttributeName(subAttribute)) {
        throw this.error(`"${next.text}" is not a sub-attribute name`);
      }
      this.position += 1;
    }
    this.expectEnd();
    return { attributePath, valueFilter, subAttribute };
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') {
      throw this.error(`unexpected ${describe(token)} at offset ${token.offset}`);
    }
  }

  private parseAnd(insideValuePath: boolean): FilterExpression {
    let left = this.parseUnary(insideValuePath);
    while (this.isKeyword('and')) {
      this.position += 1;
      left = { kind: 'logical', operator: 'and', left, right: this.parseUnary(insideValuePath) };
    }
    return left;
  }

  private parseUnary(insideValuePath: boolean): FilterExpression {
    if (this.isKeyword('not')) {
      this.position += 1;
      this.expect('(');
      const operand = this.parseOr(insideValuePath);
      this.expect(')');
      return { kind: 'not', operand };
    }
    if (this.peek().kind === '(') {
      this.position += 1;
      const inner = this.parseOr(insideValuePath);
      this.expect(')');
      return inner;
    }
    return this.parseAttributeExpression(insideValuePath);
  }

  private parseAttributeExpression(insideValuePath: boolean): FilterExpression {
    const path = this.expectWord('an attribute path');
    const next = this.peek();
    if (next.kind === '[') {
      if (insideValuePath) {
        throw this.error('value filters cannot be nested');
      }
      this.position += 1;
      const filter = this.parseOr(true);
      this.expect(']');
      return { kind: 'valuePath', path, filter };
    }
    const operator = this.expectWord('an operator').toLowerCase();
    if (operator === 'pr') {
      return { kind: 'present', path };
    }
    if (!COMPARISON_OPERATORS.has(operator)) {
      throw this.error(`"${operator}" is not a filter operator`);
    }
    return { kind: 'comparison', path, operator: operator as ComparisonOperator, value: this.parseValue() };
  }

  private parseValue(): ComparisonValue {
    const token = this.peek();
    this.position += 1;
    if (token.kind === 'string') {
      return token.value;
    }
    if (token.kind === 'word') {
      if (token.text === 'true') return true;
      if (token.text === 'false') return false;
      if (token.text === 'null') return null;
      if (NUMBER.test(token.text)) return Number(token.text);
    }
    throw this.error(`expected a comparison value (a JSON string, number, true, false or null) at offset ${token.offset}, found ${describe(token)}`);
  }

  private isKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private expectWord(what: string): string {
    const token = this.peek();
    if (token.kind !== 'word' || ['and', 'or', 'not'].includes(token.text.toLowerCase()) || token.text.startsWith('.')) {
      throw this.error(`expected ${what} at offset ${token.offset}, found ${describe(token)}`);
    }
    this.position += 1;
    return token.text;
  }

  private expect(kind: '(' | ')' | '[' | ']'): void {
    const token = this.peek();
    if (token.kind !== kind) {
      throw this.error(`expected "${kind}" at offset ${token.offset}, found ${describe(token)}`);
    }
    this.position += 1;
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end', offset: -1 };
  }

  private error(detail: string): ScimError {
    return badRequest(this.errorType, `Invalid ${this.errorType === 'invalidFilter' ? 'filter' : 'path'}: ${detail}`);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'word':
      return `"${token.text}"`;
    case 'string':
      return 'a string';
    case 'end':
      return 'the end of the expression';
    default:
      return `"${token.kind}"`;
  }
}

function tokenize(text: string, errorType: 'invalidFilter' | 'invalidPath'): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === ' ') {
      index += 1;
    } else if (char === '(' || char === ')' || char === '[' || char === ']') {
      tokens.push({ kind: char, offset: index });
      index += 1;
    } else if (char === '"') {
      const end = findStringEnd(text, index);
      if (end < 0) {
        throw badRequest(errorType, `Invalid ${errorType === 'invalidFilter' ? 'filter' : 'path'}: unterminated string at offset ${index}`);
      }
      let value: unknown;
      try {
        value = JSON.parse(text.slice(index, end + 1));
      } catch {
        throw badRequest(errorType, `Invalid ${errorType === 'invalidFilter' ? 'filter' : 'path'}: invalid string escape in the string at offset ${index}`);
      }
      tokens.push({ kind: 'string', value: value as string, offset: index });
      index = end + 1;
    } else {
      const start = index;
      while (index < text.length && !' ()[]"'.includes(text[index] as string)) {
        index += 1;
      }
      tokens.push({ kind: 'word', text: text.slice(start, index), offset: start });
    }
  }
  tokens.push({ kind: 'end', offset: text.length });
  return tokens;
}

function findStringEnd(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') {
      index += 1;
    } else if (char === '"') {
      return index;
    }
  }
  return -1;
}

/** One level of attributes a filter can name: a resource model, or the sub-attributes inside a value filter. */
interface FilterScope {
  resolve(path: string): ResolvedAttribute | undefined;
}

/**
 * Builds the scope of a resource's top-level filter. With `unknownIsAbsent`,
 * an attribute the model lacks reads as absent instead of failing, which the
 * root `.search` needs when a filter names attributes of another type.
 */
export function resourceScope(model: ResourceModel, options: { unknownIsAbsent?: boolean } = {}): FilterScope {
  return {
    resolve(path) {
      const resolved = resolveAttributePath(model, path);
      if (resolved && !isWholeExtension(resolved)) {
        return resolved;
      }
      return options.unknownIsAbsent ? { extensionUrn: undefined, attribute: ABSENT_ATTRIBUTE, subAttribute: undefined } : undefined;
    },
  };
}

/** Stands for an attribute another resource type has; no stored resource has a value under this name. */
const ABSENT_ATTRIBUTE: AttributeDefinition = {
  name: '\u0000absent',
  type: 'string',
  multiValued: false,
  description: '',
  required: false,
  caseExact: true,
  mutability: 'readOnly',
  returned: 'default',
  uniqueness: 'none',
};

/** Builds the scope inside `attr[...]`, where names are sub-attributes of `parent`. */
export function subAttributeScope(parent: AttributeDefinition): FilterScope {
  return {
    resolve(path) {
      const attribute = isAttributeName(path) ? findAttribute(parent.subAttributes ?? [], path) : undefined;
      return attribute ? { extensionUrn: undefined, attribute, subAttribute: undefined } : undefined;
    },
  };
}

/**
 * Checks a filter against a resource model and compiles it. Throws 400
 * `invalidFilter` for an unknown attribute, an operator the attribute's type
 * does not support (RFC 7644 §3.4.2.2: `gt`/`ge`/`lt`/`le` on booleans), or
 * a value of the wrong JSON type.
 */
export function compileFilter(expression: FilterExpression, scope: FilterScope): ResourcePredicate {
  switch (expression.kind) {
    case 'logical': {
      const left = compileFilter(expression.left, scope);
      const right = compileFilter(expression.right, scope);
      return expression.operator === 'and' ? (resource) => left(resource) && right(resource) : (resource) => left(resource) || right(resource);
    }
    case 'not': {
      const operand = compileFilter(expression.operand, scope);
      return (resource) => !operand(resource);
    }
    case 'present': {
      const resolved = resolveForFilter(scope, expression.path);
      return (resource) => collectValues(resource, resolved).some(isPresentValue);
    }
    case 'valuePath': {
      const resolved = resolveForFilter(scope, expression.path);
      if (resolved.subAttribute || resolved.attribute.type !== 'complex') {
        throw badRequest('invalidFilter', `Invalid filter: "${expression.path}" is not a complex attribute, so it takes no value filter`);
      }
      const inner = compileFilter(expression.filter, subAttributeScope(resolved.attribute));
      return (resource) => collectValues(resource, resolved).some((element) => isPlainObject(element) && inner(element));
    }
    case 'comparison':
      return compileComparison(expression, scope);
  }
}

function compileComparison(expression: Extract<FilterExpression, { kind: 'comparison' }>, scope: FilterScope): ResourcePredicate {
  let resolved = resolveForFilter(scope, expression.path);
  let definition = resolved.subAttribute ?? resolved.attribute;

  // A complex attribute without a sub-attribute compares its `value`
  // sub-attribute, as RFC 7644's `emails co "example.com"` example does.
  if (definition.type === 'complex') {
    const value = findAttribute(definition.subAttributes ?? [], 'value');
    if (resolved.subAttribute || !value) {
      throw badRequest('invalidFilter', `Invalid filter: "${expression.path}" is complex and has no "value" sub-attribute to compare`);
    }
    resolved = { ...resolved, subAttribute: value };
    definition = value;
  }

  const { operator, value } = expression;
  if (value === null) {
    if (operator !== 'eq' && operator !== 'ne') {
      throw badRequest('invalidFilter', `Invalid filter: null can only be compared with eq or ne, not ${operator}`);
    }
    const target = resolved;
    return operator === 'eq'
      ? (resource) => !collectValues(resource, target).some(isPresentValue)
      : (resource) => collectValues(resource, target).some(isPresentValue);
  }

  const target = resolved;
  // `ne` is the complement of `eq`, so a multi-valued attribute matches `ne`
  // only when none of its values equals the comparison value.
  if (operator === 'ne') {
    const equals = comparatorFor(definition, 'eq', value, expression.path);
    return (resource) => !collectValues(resource, target).some(equals);
  }
  const compare = comparatorFor(definition, operator, value, expression.path);
  return (resource) => collectValues(resource, target).some(compare);
}

function resolveForFilter(scope: FilterScope, path: string): ResolvedAttribute {
  const resolved = scope.resolve(path);
  if (!resolved) {
    throw badRequest('invalidFilter', `Invalid filter: unknown attribute "${path}"`);
  }
  if (resolved.attribute.returned === 'never' || resolved.subAttribute?.returned === 'never') {
    throw badRequest('invalidFilter', `Invalid filter: "${path}" is write-only and cannot be filtered on`);
  }
  return resolved;
}

function comparatorFor(definition: AttributeDefinition, operator: ComparisonOperator, expected: string | number | boolean, path: string): (actual: unknown) => boolean {
  const reject = (reason: string): ScimError => badRequest('invalidFilter', `Invalid filter: ${reason} on "${path}"`);
  switch (definition.type) {
    case 'boolean':
      if (typeof expected !== 'boolean') throw reject(`expected true or false, got ${JSON.stringify(expected)}`);
      if (ORDERING_OPERATORS.has(operator) || SUBSTRING_OPERATORS.has(operator)) throw reject(`${operator} is not defined for booleans`);
      return (actual) => actual === expected;
    case 'integer':
    case 'decimal':
      if (typeof expected !== 'number') throw reject(`expected a number, got ${JSON.stringify(expected)}`);
      if (SUBSTRING_OPERATORS.has(operator)) throw reject(`${operator} is not defined for numbers`);
      return (actual) => typeof actual === 'number' && order(operator, actual - expected);
    case 'dateTime': {
      if (typeof expected !== 'string') throw reject(`expected a date-time string, got ${JSON.stringify(expected)}`);
      if (SUBSTRING_OPERATORS.has(operator)) {
        return (actual) => typeof actual === 'string' && substring(operator, actual, expected);
      }
      const expectedMs = Date.parse(expected);
      if (Number.isNaN(expectedMs)) throw reject(`"${expected}" is not an xsd:dateTime`);
      return (actual) => typeof actual === 'string' && order(operator, Date.parse(actual) - expectedMs);
    }
    default: {
      if (typeof expected !== 'string') throw reject(`expected a string, got ${JSON.stringify(expected)}`);
      if (definition.type === 'binary' && ORDERING_OPERATORS.has(operator)) throw reject(`${operator} is not defined for binary values`);
      const normalize = definition.caseExact ? (text: string) => text : (text: string) => text.toLowerCase();
      const expectedText = normalize(expected);
      return (actual) => {
        if (typeof actual !== 'string') return false;
        const actualText = normalize(actual);
        if (SUBSTRING_OPERATORS.has(operator)) return substring(operator, actualText, expectedText);
        return order(operator, compareText(actualText, expectedText));
      };
    }
  }
}

function compareText(left: string, right: string): number {
  if (left < right) return -1;
  if (left > right) return 1;
  return 0;
}

function order(operator: ComparisonOperator, difference: number): boolean {
  if (Number.isNaN(difference)) return false;
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
      return false;
  }
}

function substring(operator: ComparisonOperator, actual: string, expected: string): boolean {
  if (operator === 'co') return actual.includes(expected);
  if (operator === 'sw') return actual.startsWith(expected);
  return actual.endsWith(expected);
}

/** RFC 7644's `pr`: not null, not an empty string, array or object. */
export function isPresentValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.values(value).some(isPresentValue);
  return true;
}
