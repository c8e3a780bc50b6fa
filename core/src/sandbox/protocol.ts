// The sandbox's wire protocol: what the host (isolate.ts, plugin.ts) and the harness inside every plugin isolate
// (harness.ts) say to each other. The harness is source text evaluated in the isolate, so it cannot import this
// module; harness.ts builds that text from the constants declared here (ops, failure kinds, reply keys, channel
// names), which keeps both sides of the wire in one place. Replies are decoded here by small pure functions that
// trust nothing: a plugin that tampers with its own realm may get the harness to say odd things.

// The channel: globals through which host and harness find each other (harness.ts, rules 2 and 3).
/** The global through which the host fetches the harness entry point; removed once fetched. */
export const HARNESS_ENTRY = '__dtHarnessEntry';
/** The global the host sets to a sync callback returning the JSON of a namespace's Services. */
export const HOST_SIBLINGS = '__dtHostSiblings';
/** The global the host sets to a sync callback taking an op's answer (harness.ts, rule 2). */
export const HOST_ANSWER = '__dtHostAnswer';
/** The `name` of the harness's own unhandled rejection (harness.ts, rule 2), whose `message` is the op's answer. */
export const HARNESS_DONE = '__dtHarnessDone';

/** What the host can ask the harness to do, in the order a plugin meets them (harness.ts serves each one). */
export const OPS = Object.freeze(['load', 'manifest', 'configure', 'detect', 'partial', 'gc', 'toolsets'] as const);
export type Op = (typeof OPS)[number];

/**
 * How a call into a plugin can fail; also the `error_type` label of the detector error metric (metrics/labels.ts).
 * To add a kind, append it here and give it a row in FAILURE_TRAITS (the compiler asks for one); if the harness
 * reports it, add it to HARNESS_FAILURE_KINDS too.
 */
export const FAILURE_KINDS = Object.freeze(['timeout', 'memory', 'thrown', 'bad-result', 'crashed', 'load', 'input'] as const);
export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * The kinds the harness itself reports; the host finds the others (time limits, crashes, loading). A reply
 * naming any other kind did not come from the harness and is read as `thrown`, so a plugin cannot pass its own
 * fault off as something that is not counted against it.
 */
export const HARNESS_FAILURE_KINDS = Object.freeze(['memory', 'thrown', 'bad-result'] as const) satisfies readonly FailureKind[];
export type HarnessFailureKind = (typeof HARNESS_FAILURE_KINDS)[number];

/** What a failure of a kind means for the plugin that had it (read by plugin.ts). */
export interface FailureTraits {
  /** The plugin answered, but unusably: the Service is "not mine" with a reason (a `rejected` answer), not a failed call. */
  answered: boolean;
  /** The plugin held up the daemon's thread or lost its isolate: no more calls on the daemon's thread (isolate.ts, `sync`). */
  losesSyncCalls: boolean;
  /** The isolate is beyond saving (see RUNAWAY_GRACE_MS in isolate.ts): quarantined at once, not after repeated failures. */
  quarantinesAtOnce: boolean;
  /**
   * The plugin's own fault: counted as a failure (stats, last error) and towards quarantine. Not so for what a
   * Service said (`input`): it is neutral, neither a failure nor a success that resets the count.
   */
  pluginsFault: boolean;
}

export const FAILURE_TRAITS: Readonly<Record<FailureKind, FailureTraits>> = {
  timeout: { answered: false, losesSyncCalls: true, quarantinesAtOnce: false, pluginsFault: true },
  memory: { answered: false, losesSyncCalls: true, quarantinesAtOnce: false, pluginsFault: true },
  thrown: { answered: false, losesSyncCalls: false, quarantinesAtOnce: false, pluginsFault: true },
  'bad-result': { answered: true, losesSyncCalls: false, quarantinesAtOnce: false, pluginsFault: true },
  crashed: { answered: false, losesSyncCalls: true, quarantinesAtOnce: true, pluginsFault: true },
  load: { answered: false, losesSyncCalls: false, quarantinesAtOnce: false, pluginsFault: true },
  // The answer is invalid because of what the Service says (validate.ts, checkDetection): only the host finds it.
  input: { answered: true, losesSyncCalls: false, quarantinesAtOnce: false, pluginsFault: false },
};

const KINDS: ReadonlySet<string> = new Set<string>(FAILURE_KINDS);
const FROM_HARNESS: ReadonlySet<string> = new Set<string>(HARNESS_FAILURE_KINDS);

export function isFailureKind(value: unknown): value is FailureKind {
  return typeof value === 'string' && KINDS.has(value);
}

/** A kind as the harness reported it: one it can report, anything else `thrown`. */
export function harnessFailureKind(value: unknown): HarnessFailureKind {
  return typeof value === 'string' && FROM_HARNESS.has(value) ? (value as HarnessFailureKind) : 'thrown';
}

/** Longest failure message kept from a plugin (the harness cuts its own descriptions to this too). */
export const MESSAGE_MAX = 500;

// Op answers are JSON text, or FAILED_OP + `<kind>:<message>` when the op itself failed (JSON never starts with "!").
/** The first character of an op answer that reports the op's failure. */
export const FAILED_OP = '!';

/**
 * Keys of the JSON replies the harness writes. Per-Service detect replies: {d: null | detection, s} or
 * {e: kind, m: message, s}, `s` telling whether the plugin asked for siblings; a batch is an array of them.
 * toolsets replies: {t: null | entries} or {e, m}. After a timeout, `partial` replies {finished, answers}.
 */
export const REPLY_KEYS = {
  detection: 'd',
  usedSiblings: 's',
  kind: 'e',
  message: 'm',
  toolsets: 't',
  finished: 'finished',
  answers: 'answers',
} as const;
const K = REPLY_KEYS;

export interface Failure {
  kind: FailureKind;
  message: string;
}

/** What the host gets for an op: the answer's text, or the op's failure. */
export type OpReply = { ok: true; text: string } | ({ ok: false } & Failure);
/** What the plugin said for one Service: what it detected (null: not mine), still to be validated, or its failure. */
export type ServiceReply = ({ ok: true; detection: unknown } | ({ ok: false } & Failure)) & { usedSiblings: boolean };
/** What `toolsets` answered (null: nothing), still to be validated, or its failure. */
export type ToolsetsReply = { ok: true; toolsets: unknown } | ({ ok: false } & Failure);
export interface PartialReply {
  /** detect had returned for every Service: the time ran out in asynchronous work it left behind. */
  finished: boolean;
  /** The Services answered before the time ran out, in batch order. */
  replies: ServiceReply[];
}

export const MALFORMED = 'the sandbox answered in an unexpected shape (did the plugin tamper with its JavaScript builtins?)';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An op's answer as it came out of the isolate: the text, or the failure it reports. */
export function decodeOpReply(out: unknown): OpReply {
  if (typeof out !== 'string') return { ok: false, kind: 'bad-result', message: 'the sandbox answered with a non-string' };
  if (!out.startsWith(FAILED_OP)) return { ok: true, text: out };
  const colon = out.indexOf(':');
  return { ok: false, kind: harnessFailureKind(out.slice(FAILED_OP.length, colon)), message: out.slice(colon + 1, colon + 1 + MESSAGE_MAX) };
}

/** One element of a detect batch's reply. */
export function decodeServiceReply(v: unknown): ServiceReply {
  if (isRecord(v)) {
    const usedSiblings = v[K.usedSiblings] === true;
    const kind = v[K.kind], message = v[K.message];
    if (typeof kind === 'string' && typeof message === 'string') return { ok: false, kind: harnessFailureKind(kind), message: message.slice(0, MESSAGE_MAX), usedSiblings };
    if (K.detection in v) return { ok: true, detection: v[K.detection], usedSiblings };
  }
  return { ok: false, kind: 'bad-result', message: MALFORMED, usedSiblings: false };
}

/** A detect batch's reply: one ServiceReply per Service sent, or undefined when it is not that. */
export function decodeDetectReply(text: string, services: number): ServiceReply[] | undefined {
  const v = parseJson(text);
  return Array.isArray(v) && v.length === services ? v.map(decodeServiceReply) : undefined;
}

/** `partial`'s reply after a timeout; undefined when unreadable (the progress is then lost). */
export function decodePartialReply(text: string): PartialReply | undefined {
  const v = parseJson(text);
  if (!isRecord(v)) return undefined;
  const answers = v[K.answers];
  if (!Array.isArray(answers)) return undefined;
  return { finished: v[K.finished] === true, replies: answers.map(decodeServiceReply) };
}

export function decodeToolsetsReply(text: string): ToolsetsReply {
  const v = parseJson(text);
  if (isRecord(v)) {
    const kind = v[K.kind], message = v[K.message];
    if (typeof kind === 'string' && typeof message === 'string') return { ok: false, kind: harnessFailureKind(kind), message: message.slice(0, MESSAGE_MAX) };
    if (K.toolsets in v) return { ok: true, toolsets: v[K.toolsets] };
  }
  return { ok: false, kind: 'bad-result', message: MALFORMED };
}

/** The manifest op's reply, still to be validated (undefined when it is not JSON). */
export function decodeManifestReply(text: string): unknown {
  return parseJson(text);
}
