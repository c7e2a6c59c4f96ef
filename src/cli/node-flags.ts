// The Node.js (V8) flags the gateway process runs with. Every launcher passes them: `npm start`, the
// Dockerfile's ENTRYPOINT (which the Kubernetes Deployment runs, adding NODE_OPTIONS), the systemd
// unit and the benchmark (node-flags.test.ts keeps them in step). V8 sizes its heap when the process
// starts, so the semi-space size cannot be set from inside (v8.setFlagsFromString does not resize a
// running heap); the pretenuring flag can, and `serve` sets it when the command line lacks it.
//
// --max-semi-space-size=64 (MiB; V8's default is 16): a request's garbage that lives on past the
// response (a keep-alive socket holds its last request's objects until the next request on it,
// ~1 s with a few hundred client connections) survived two 16 MiB scavenges and was promoted, ~5 MB/s
// at 1,000 req/s, so the old generation (which holds the tokenizer's ~200,000 BPE ranks) filled up
// and was mark-compacted every few seconds: 6-10 ms pauses, each one the p99 of the requests behind
// it. With 64 MiB semi-spaces the same objects die young (promotion ~0.25 MB/s). Cost: up to 128 MiB
// of young generation committed under load, against 32. Measurements: BENCHMARKS.md (fifth session).
//
// --min-semi-space-size=16 (MiB; V8's default floor is 1 MiB): after the process idles a few seconds
// V8's memory reducer shrinks the young generation to its floor, and it grows back (doubling) only
// as fast as objects survive scavenges. The gateway's survivors are few (trace rows wait as text),
// so after a pause the young generation took ~50 s under load to get back to 64 MiB: the bench's
// chat-stream rounds, which follow an idle spell, ran 24-29 scavenges at 200 req/s and 29-54 at
// 1,000 req/s (73-202 ms of pauses) in 3 of 4 runs, against 3-4 and 15-16 in 6 of 6 runs with the
// floor. Cost: ~32 MiB of young generation kept while idle. Node refuses it in NODE_OPTIONS.
// Measurements: BENCHMARKS.md (fourteenth session).
//
// --no-allocation-site-pretenuring: V8 allocates a code site's objects straight into the old
// generation ("pretenures" it) when most of them survived scavenges. A transient phase of
// long-lived requests (load arriving while the embedded trace store was still opening: a backlog
// of ~20,000 trace rows) pretenured request-scoped sites; their objects then died in the old
// generation still pointing at their request's young objects, which survived every scavenge until
// a mark-compact, which kept survival high and the sites pretenured. The gateway stayed in that
// state: ~5 MB surviving each scavenge instead of ~0.5 MB, 9-11 ms pauses instead of 2.5-3 (chat
// and streams at max rate; 8 of 12 runs without the flag, none of 7 with it: 0.6-1.7 MB). Objects
// that do live long are promoted by scavenges instead. Node refuses it in NODE_OPTIONS: it goes on
// the command line. Measurements: BENCHMARKS.md (eighth session).
//
// --heap-growing-percent=100: after a mark-compact V8 lets the old generation grow to twice what
// survived before the next one. Left to itself it chose a limit only 2-8 MB above the gateway's
// ~45 MB live heap (most of it the tokenizer's ranks), so at 1,000 req/s, with ~0.8 KB a request
// reaching the old generation, it mark-compacted every few seconds: 4 mark-compacts (8-29 ms
// pauses, 50-67 ms in all) inside the gateway's 1,000 req/s rounds of each chat-stream bench run,
// and the p99 there 21-39 ms against the bare proxy's 3-12. With the flag: none inside the rounds,
// 5 in the whole run instead of 19, p99 6.6 ms. Cost: up to ~45 MB more old generation before a
// mark-compact. Node refuses it in NODE_OPTIONS; V8 reads it at every GC, so `serve` sets it at
// run time when the command line lacks it. Measurements: BENCHMARKS.md (twelfth session).
//
// --no-memory-reducer: V8's memory reducer starts a mark-compact when allocation slows down (the
// process looks idle) and, whatever the load, when none has run for 100 s (its watchdog,
// kWatchdogDelayMs in V8's memory-reducer.cc). Under steady load the gateway's old generation
// grows little (~31 B a request at 1,000 req/s; a trace batch's bytes no longer wait for a
// mark-compact since the twenty-third session), so the reducer's were most of its mark-compacts
// under load: 10-40 ms pauses, the p99 of the requests behind them, every 100 s at most. Without
// it: none in 148 s at 1,000 req/s after the start-up's, against 2 with it (one from the
// watchdog). Cost: memory the reducer hands back once the load stops: RSS after 30 s at 1,000
// req/s and 4 min idle, 244 MB against 138 (a fresh gateway) and 168 against 156 (after a second
// load). V8 creates the reducer when it sets up the heap, so it cannot be turned off at run
// time, and Node refuses the flag in NODE_OPTIONS. Measurements: BENCHMARKS.md (twenty-third
// session).

export const gatewayNodeFlags: readonly string[] = [
  '--max-semi-space-size=64',
  '--min-semi-space-size=16',
  '--no-allocation-site-pretenuring',
  '--heap-growing-percent=100',
  '--no-memory-reducer',
];

/**
 * The gateway flags V8 also honours when set after the start (read at each GC, unlike heap sizes):
 * `serve` sets those missing from the command line, so a gateway started another way (`npx
 * switchyard serve`, an image of one's own) still gets them. Set at run time,
 * --no-allocation-site-pretenuring kept the gateway out of the pretenured state in 4 of 4 runs
 * that entered it in 8 of 12 without it (BENCHMARKS.md, eighth session).
 */
export const runtimeSettableNodeFlags: readonly string[] = [
  '--no-allocation-site-pretenuring',
  '--heap-growing-percent=100',
];

/** A flag's name in V8's dash spelling, without its value (`--heap-growing-percent`). */
const flagName = (arg: string) => arg.split('=')[0]!.replaceAll('_', '-');

/**
 * Sets, through `setFlag` (v8.setFlagsFromString), the runtime-settable flags `execArgv` lacks; a
 * flag the command line sets to a value of its own (or negates) is left as it is.
 */
export function applyRuntimeNodeFlags(
  execArgv: readonly string[],
  setFlag: (flag: string) => void,
): string[] {
  const named = new Set(execArgv.map((arg) => flagName(arg).replace(/^--no-/, '--')));
  const missing = runtimeSettableNodeFlags.filter(
    (flag) => !named.has(flagName(flag).replace(/^--no-/, '--')),
  );
  for (const flag of missing) setFlag(flag);
  return missing;
}

/**
 * The semi-space size (MiB) set by `--max-semi-space-size` in this process's flags or NODE_OPTIONS
 * (flags win: Node applies NODE_OPTIONS first); undefined: V8's default.
 */
export function semiSpaceMb(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): number | undefined {
  const fromOptions = lastSemiSpace(nodeOptions?.split(/\s+/).filter(Boolean) ?? []);
  return lastSemiSpace(execArgv) ?? fromOptions;
}

function lastSemiSpace(args: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let index = 0; index < args.length; index += 1) {
    // V8 accepts dashes or underscores, and the value after `=` or as the next argument.
    const arg = args[index]!.replaceAll('_', '-');
    if (arg.startsWith('--max-semi-space-size=')) {
      found = Number(arg.slice('--max-semi-space-size='.length));
    } else if (arg === '--max-semi-space-size' && index + 1 < args.length) {
      found = Number(args[index + 1]);
    }
  }
  return found !== undefined && Number.isFinite(found) ? found : undefined;
}
