import { z } from 'zod';
import { isRestricted } from '../access.js';
import { CHAT_TOOL, routeDecisionSchema } from '../contracts/route-decision.js';
import type { Tool } from '../contracts/tool.js';
import type { ToolRegistry } from '../engine/tool-registry.js';
import { stableHash } from './stable-hash.js';

/** What the router shows the model about the tools, and the JSON schema its answer must follow. */
export interface Catalog {
  /** One line per tool (and `chat`): name, one-line description, params as compact JSON schema. */
  text: string;
  /** Ollama `format`: one variant per tool, so the model can only name a known tool with params of its shape. */
  format: Record<string, unknown>;
  hash: string;
  toolNames: readonly string[];
}

type JsonSchema = Record<string, unknown>;

// Chat takes no params: the request itself is the conversation.
const chatParams = z.object({});
const CHAT_DESCRIPTION = 'free conversation, questions, advice and anything no tool fits; answered by the local model';

// Keys a grammar-constrained decoder understands; anything else (patterns, formats) could make Ollama refuse the schema.
const GRAMMAR_KEYS = new Set(['type', 'properties', 'required', 'items', 'enum', 'const', 'anyOf', 'minItems', 'maxItems', 'maxLength']);
const CATALOG_DROP = new Set(['$schema', 'additionalProperties', '$id', 'minLength']);
const REASON_MAX = 80;

function toJsonSchema(schema: z.ZodType): JsonSchema {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return { type: 'object' };
  }
}

/** Drop noise from a schema: safe-integer bounds zod adds, `$schema`, and keys `keep` rejects. */
function cleanSchema(node: unknown, keep: (key: string) => boolean, closeObjects: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => cleanSchema(item, keep, closeObjects));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!keep(key)) continue;
    if ((key === 'minimum' || key === 'maximum') && typeof value === 'number' && Math.abs(value) >= 2 ** 53 - 1) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, cleanSchema(child, keep, closeObjects)]));
    } else {
      out[key] = cleanSchema(value, keep, closeObjects);
    }
  }
  if (closeObjects && out.type === 'object') out.additionalProperties = false;
  return out;
}

function catalogLine(name: string, description: string, adminOnly: boolean, params: JsonSchema): string {
  const { type: _object, ...schema } = cleanSchema(params, (key) => !CATALOG_DROP.has(key), false) as JsonSchema;
  const oneLine = description.replace(/\s+/g, ' ').trim();
  return `- ${name}${adminOnly ? ' (admin only)' : ''}: ${oneLine}\n  params: ${JSON.stringify(schema)}`;
}

/** The RouteDecision schema narrowed to one tool: its name as a literal, its own params, every field required. */
function decisionVariant(name: string, params: z.ZodType): z.ZodType {
  return routeDecisionSchema.extend({ tool_name: z.literal(name), params, handoff: z.boolean(), reason: z.string().max(REASON_MAX) });
}

function formatVariant(name: string, params: z.ZodType): JsonSchema {
  let schema = toJsonSchema(decisionVariant(name, params));
  // A params schema zod cannot express in JSON Schema still gets a variant, with params left open.
  if (schema.type !== 'object') schema = toJsonSchema(decisionVariant(name, z.object({}).loose()));
  return cleanSchema(schema, (key) => GRAMMAR_KEYS.has(key), true) as JsonSchema;
}

/** Build the catalog of a set of tools (sorted by name, `chat` last). */
export function buildCatalog(tools: readonly Tool[]): Catalog {
  const entries = [...tools]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((tool) => ({ name: tool.name, description: tool.description, adminOnly: isRestricted(tool.privileges), params: tool.params }));
  entries.push({ name: CHAT_TOOL, description: CHAT_DESCRIPTION, adminOnly: false, params: chatParams });
  const text = entries.map((e) => catalogLine(e.name, e.description, e.adminOnly, toJsonSchema(e.params))).join('\n');
  const format = { anyOf: entries.map((e) => formatVariant(e.name, e.params)) };
  return { text, format, hash: stableHash({ text, format }), toolNames: entries.map((e) => e.name) };
}

/** The catalog of a registry, rebuilt only when its tools change (tools are registered at start-up). */
export class CatalogSource {
  private cached: { tools: readonly Tool[]; catalog: Catalog } | undefined;

  constructor(private readonly registry: ToolRegistry) {}

  current(): Catalog {
    const tools = this.registry.list();
    const previous = this.cached;
    if (previous && previous.tools.length === tools.length && previous.tools.every((tool, i) => tool === tools[i])) {
      return previous.catalog;
    }
    const catalog = buildCatalog(tools);
    this.cached = { tools, catalog };
    return catalog;
  }
}
