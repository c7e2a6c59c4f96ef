// Derives the deterministic reply (text or tool call) and its completion tokens from a request.
//
// Text: `reply` override, or "Tool result: <first 12 words>" after a tool result, else
// "Echo: <first 12 words of the last user text>". It streams as pieces of one word plus its
// trailing space, and each piece is one completion token; max_tokens cuts the pieces (finish
// `length`). Tool call: arguments from the tool's JSON schema, completion tokens
// ceil((name + arguments).length / 4), streamed as at least 3 argument fragments.
import type { Conversation } from './conversation.js';
import { exampleFromSchema } from './example-from-schema.js';

const ECHO_WORDS = 12;
const FRAGMENT_CHARS = 12;
const MIN_FRAGMENTS = 3;

export interface TextReply {
  type: 'text';
  text: string;
  pieces: string[];
  /** Cut by max_tokens: OpenAI finish_reason `length`, Anthropic stop_reason `max_tokens`. */
  truncated: boolean;
  completionTokens: number;
}

export interface ToolReply {
  type: 'tool';
  name: string;
  input: unknown;
  /** JSON of `input`. */
  arguments: string;
  /** Pieces of `arguments`; at least 3, the first may be ''. */
  fragments: string[];
  completionTokens: number;
}

export type Reply = TextReply | ToolReply;

export function buildReply(conversation: Conversation, override?: string): Reply {
  const { tools, toolChoice } = conversation;
  if (tools.length && toolChoice.type !== 'none' && conversation.lastToolResult === undefined) {
    const chosen = toolChoice.type === 'tool' ? toolChoice.name : undefined;
    const tool = tools.find((candidate) => candidate.name === chosen) ?? tools[0];
    if (tool) return buildToolReply(tool.name, exampleFromSchema(tool.schema));
  }
  const text =
    override ??
    (conversation.lastToolResult !== undefined
      ? `Tool result: ${firstWords(conversation.lastToolResult)}`
      : `Echo: ${firstWords(conversation.lastUserText)}`);
  return buildTextReply(text, conversation.maxTokens);
}

function buildTextReply(text: string, maxTokens: number | undefined): TextReply {
  const pieces = splitPieces(text);
  if (maxTokens !== undefined && maxTokens >= 0 && pieces.length > maxTokens) {
    const kept = pieces.slice(0, maxTokens);
    return {
      type: 'text',
      text: kept.join(''),
      pieces: kept,
      truncated: true,
      completionTokens: kept.length,
    };
  }
  return { type: 'text', text, pieces, truncated: false, completionTokens: pieces.length };
}

function buildToolReply(name: string, input: unknown): ToolReply {
  const json = JSON.stringify(input);
  const count = Math.max(MIN_FRAGMENTS, Math.ceil(json.length / FRAGMENT_CHARS));
  const size = Math.max(1, Math.ceil(json.length / count));
  const fragments: string[] = [];
  for (let start = 0; start < json.length; start += size)
    fragments.push(json.slice(start, start + size));
  while (fragments.length < MIN_FRAGMENTS) fragments.unshift('');
  return {
    type: 'tool',
    name,
    input,
    arguments: json,
    fragments,
    completionTokens: Math.ceil((name.length + json.length) / 4),
  };
}

function firstWords(text: string): string {
  const words = text.split(/\s+/).filter(Boolean).slice(0, ECHO_WORDS);
  return words.length ? words.join(' ') : '(nothing)';
}

/** "Echo: a b" → ["Echo: ", "a ", "b"]; leading whitespace joins the first piece. */
function splitPieces(text: string): string[] {
  const pieces: string[] = text.match(/\S+\s*/g) ?? [];
  const leading = /^\s+/.exec(text)?.[0];
  if (leading && pieces.length) pieces[0] = leading + pieces[0];
  if (!pieces.length && text) pieces.push(text);
  return pieces;
}
