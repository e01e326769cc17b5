import { describe, expect, it } from 'vitest';
import { jsonSchemaIssues } from '../src/client/start/json-schema-check.js';

describe('jsonSchemaIssues', () => {
  const schema = {
    type: 'object',
    required: ['user'],
    properties: {
      user: { type: 'object', required: ['email'], properties: { email: { format: 'email' } } },
      tags: { type: 'array', items: { type: 'string' } },
    },
  };

  it('gives each issue the keys to its value, as a Standard Schema does', () => {
    const flow = { name: 'f', version: '000000000001' };
    expect(jsonSchemaIssues(flow, schema, { user: { email: 'ana@example.org' } })).toEqual([]);
    expect(jsonSchemaIssues(flow, schema, { user: {}, tags: ['a', 2] })).toEqual([
      { message: "must have required property 'email'", path: ['user', 'email'] },
      { message: 'must be string', path: ['tags', 1] },
    ]);
    expect(jsonSchemaIssues(flow, schema, { user: { email: 'no' } })).toEqual([
      { message: 'must match format "email"', path: ['user', 'email'] },
    ]);
  });

  it('checks nothing against a schema that does not compile (the author, not the caller, is at fault)', () => {
    const broken = { type: 'object', properties: { a: { $ref: '#/nowhere' } } };
    expect(jsonSchemaIssues({ name: 'f', version: 'broken' }, broken, { a: 1 })).toEqual([]);
  });

  it('compiles once per flow version', () => {
    const flow = { name: 'g', version: '000000000002' };
    expect(jsonSchemaIssues(flow, { type: 'string' }, 1)).toHaveLength(1);
    // The same version is the same schema: what is cached answers.
    expect(jsonSchemaIssues(flow, { type: 'number' }, 1)).toHaveLength(1);
    expect(jsonSchemaIssues({ ...flow, version: '000000000003' }, { type: 'number' }, 1)).toEqual(
      [],
    );
  });
});
