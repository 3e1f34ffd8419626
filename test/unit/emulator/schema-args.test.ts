import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { argumentsFromSchema, valueFromSchema } from '../../../src/emulator/schema-args.ts';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);

function expectValid(schema: object, value: unknown): void {
  const validate = ajv.compile(schema);
  expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
}

describe('argumentsFromSchema', () => {
  it('fills only required properties with type-appropriate values', () => {
    const schema = {
      type: 'object',
      properties: {
        path: { type: 'string' },
        count: { type: 'integer' },
        ratio: { type: 'number' },
        force: { type: 'boolean' },
        optional: { type: 'string' },
      },
      required: ['path', 'count', 'ratio', 'force'],
    };
    const args = argumentsFromSchema(schema);
    expect(args).toEqual({ path: 'example', count: 0, ratio: 0, force: false });
    expectValid(schema, args);
  });

  it('respects enum, const, bounds, lengths and formats', () => {
    const schema = {
      type: 'object',
      properties: {
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        kind: { const: 'fixed' },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        above: { type: 'number', exclusiveMinimum: 2.5 },
        below: { type: 'integer', maximum: -3 },
        code: { type: 'string', minLength: 10 },
        tiny: { type: 'string', maxLength: 3 },
        when: { type: 'string', format: 'date-time' },
        mail: { type: 'string', format: 'email' },
        site: { type: 'string', format: 'uri' },
      },
      required: ['unit', 'kind', 'days', 'above', 'below', 'code', 'tiny', 'when', 'mail', 'site'],
    };
    const args = argumentsFromSchema(schema);
    expect(args['unit']).toBe('celsius');
    expect(args['kind']).toBe('fixed');
    expect(args['days']).toBe(1);
    expect(args['below']).toBe(-3);
    expectValid(schema, args);
  });

  it('builds nested objects and arrays with minItems', () => {
    const schema = {
      type: 'object',
      properties: {
        todos: {
          type: 'array',
          minItems: 2,
          items: {
            type: 'object',
            properties: { content: { type: 'string' }, status: { type: 'string', enum: ['pending', 'done'] } },
            required: ['content', 'status'],
          },
        },
        edits: { type: 'array', items: { type: 'string' } },
        meta: { type: 'object', properties: { depth: { type: 'integer', minimum: 3 } }, required: ['depth'] },
      },
      required: ['todos', 'edits', 'meta'],
    };
    const args = argumentsFromSchema(schema);
    expect(args).toEqual({
      todos: [
        { content: 'example', status: 'pending' },
        { content: 'example', status: 'pending' },
      ],
      edits: [],
      meta: { depth: 3 },
    });
    expectValid(schema, args);
  });

  it('follows local $refs, anyOf with null, allOf and type unions', () => {
    const schema = {
      type: 'object',
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
      properties: {
        at: { $ref: '#/$defs/point' },
        maybe: { anyOf: [{ type: 'null' }, { type: 'string', minLength: 2 }] },
        both: { allOf: [{ $ref: '#/$defs/point' }, { properties: { y: { type: 'integer' } }, required: ['y'] }] },
        either: { type: ['null', 'integer'] },
      },
      required: ['at', 'maybe', 'both', 'either'],
    };
    const args = argumentsFromSchema(schema);
    expect(args).toEqual({ at: { x: 0 }, maybe: 'example', both: { x: 0, y: 0 }, either: 0 });
    expectValid(schema, args);
  });

  it('is deterministic and always returns an object', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    expect(argumentsFromSchema(schema)).toEqual(argumentsFromSchema(schema));
    expect(argumentsFromSchema(undefined)).toEqual({});
    expect(argumentsFromSchema({ type: 'string' })).toEqual({});
    expect(valueFromSchema({ type: 'array', minItems: 1, items: { type: 'boolean' } })).toEqual([false]);
  });

  it('stops on self-referencing schemas', () => {
    const schema = {
      type: 'object',
      properties: { node: { $ref: '#' } },
      required: ['node'],
    };
    const args = argumentsFromSchema(schema);
    expect(JSON.stringify(args).length).toBeLessThan(1000);
  });
});
