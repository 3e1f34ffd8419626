import { describe, expect, it } from 'vitest';
import { Commented, scalar, toYaml } from '../../../src/stack/drivers/yaml.ts';

describe('the YAML writer', () => {
  it('quotes whatever a YAML reader would take for something else', () => {
    expect(scalar('hermes')).toBe('hermes');
    expect(scalar('vllm/vllm-openai:latest')).toBe('vllm/vllm-openai:latest');
    for (const s of ['8000', '0.90', 'yes', 'no', 'on', 'null', 'true', '', '--port', '127.0.0.1:8000:8000', 'a: b', 'x #y', '{"a":1}', '*']) {
      expect(scalar(s)).toBe(JSON.stringify(s));
    }
    expect(scalar(8000)).toBe('8000');
    expect(scalar(true)).toBe('true');
    expect(scalar(null)).toBe('null');
  });

  it('writes maps, sequences, compact sequence maps, empty collections and comments', () => {
    const text = toYaml(
      { a: { list: ['x', new Commented('why\nmore', '--flag'), '1'], maps: [{ k: 1, l: { m: 'n' } }], none: [], empty: {} } },
      ['head'],
    );
    expect(text).toBe(
      ['# head', 'a:', '  list:', '    - x', '    # why', '    # more', '    - "--flag"', '    - "1"', '  maps:', '    - k: 1', '      l:', '        m: "n"', '  none: []', '  empty: {}', ''].join('\n'),
    );
  });
});
