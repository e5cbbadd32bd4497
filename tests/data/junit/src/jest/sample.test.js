// Sample tests covering the outcomes jest-junit writes. Run by ../../generate.sh.
const add = (a, b) => a + b;

describe('arithmetic', () => {
  test('adds small numbers', () => {
    console.log('adding 2 and 2');
    expect(add(2, 2)).toBe(4);
  });

  test('reports a wrong sum', () => {
    expect(add(2, 2)).toBe(5);
  });

  test.skip('is not ready yet', () => {
    expect(add(1, 1)).toBe(3);
  });

  test.todo('handles overflow');

  test.each([
    [1, 1],
    [2, 4],
  ])('squares %i to %i', (value, square) => {
    expect(value * value).toBe(square);
  });
});

test('throws an unexpected error', () => {
  throw new TypeError('cannot read property of undefined');
});
