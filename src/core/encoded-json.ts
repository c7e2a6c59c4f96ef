// A JSON value together with its exact bytes on the wire: an upstream body the gateway forwards
// unchanged is sent as the bytes it arrived as, not parsed and serialised again. JSON.stringify
// of it still gives the value (toJSON), so code that logs or captures it needs no special case.

export class EncodedJson {
  constructor(
    readonly value: unknown,
    readonly bytes: Buffer,
  ) {}

  toJSON(): unknown {
    return this.value;
  }
}
