/** Figure is one line of the benchmark table: one contender's number on one measure, over several rounds. */
export interface Figure {
  /** measure names what is measured, e.g. "bookkeeping: unary call". */
  readonly measure: string;
  /** contender names who is measured, e.g. "ours", "baseline", "prom-client children". */
  readonly contender: string;
  /** unit of median, min and max, e.g. "ns/call", "calls/s", "ms". */
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** ratio is median / the reference contender's median on the same measure, when there is one. */
  readonly ratio?: number;
  /** reference names the contender ratio is taken against. */
  readonly reference?: string;
  /** target states what the figure must show, and met whether it does. */
  readonly target?: { readonly text: string; readonly met: boolean };
}

/** Spread is the median, min and max of several rounds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** spread summarises the rounds of one contender. */
export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error("spread: no samples");
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}

/**
 * alternate runs each contender once per round, in an order that rotates
 * every round, so that a noisy neighbour or a warming JIT falls on all of
 * them alike; it returns each contender's samples.
 */
export async function alternate<K extends string>(
  rounds: number,
  contenders: Record<K, () => Promise<number> | number>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      samples[name].push(await contenders[name]());
    }
  }
  return samples;
}

/** figure builds a Figure, with its ratio to a reference spread when given. */
export function figure(
  measure: string,
  contender: string,
  unit: string,
  s: Spread,
  reference?: { readonly name: string; readonly spread: Spread },
  target?: { readonly text: string; readonly met: boolean },
): Figure {
  return {
    measure,
    contender,
    unit,
    ...s,
    ...(reference ? { ratio: s.median / reference.spread.median, reference: reference.name } : {}),
    ...(target ? { target } : {}),
  };
}
