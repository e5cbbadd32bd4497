// The same test titles in different describe blocks: with jest-junit's
// classNameTemplate set to "" and titleTemplate to "{title}", every case of
// this file has an empty classname and a name shared with another case.
// Run by ../../generate.sh.
const parse = (text) => {
  if (text === '') return [];
  if (text.includes('!')) throw new SyntaxError(`unexpected "!" in ${text}`);
  return text.split(',');
};

describe('parser', () => {
  test('handles empty input', () => {
    expect(parse('')).toEqual([]);
  });
  test('rejects bad input', () => {
    expect(() => parse('a,b')).toThrow(SyntaxError);
  });
});

describe('writer', () => {
  test('handles empty input', () => {
    expect([].join(',')).toBe('');
  });
  test('rejects bad input', () => {
    expect(() => parse('a!')).toThrow(SyntaxError);
  });
  test.skip('handles empty input', () => {});
});
