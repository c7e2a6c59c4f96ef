// Counts the JSON.parse calls a function makes on text the predicate selects (JSON.parse is
// restored afterwards, also when the function throws).

export function countJsonParses(run: () => void, counts: (text: string) => boolean): number {
  const parse = JSON.parse;
  let count = 0;
  JSON.parse = (text: string, reviver?: Parameters<typeof parse>[1]): unknown => {
    if (counts(text)) count += 1;
    return parse(text, reviver);
  };
  try {
    run();
  } finally {
    JSON.parse = parse;
  }
  return count;
}
