package io.fluxtrace;

import java.util.Locale;

/** The kind of work a span records, as Langfuse classifies observations ({@code langfuse.observation.type}). */
public enum ObservationType {
  /** A generic unit of work. */
  SPAN,
  /** A call to a language model: model, parameters, usage and cost apply. */
  GENERATION,
  /** A point in time, with no duration. */
  EVENT,
  /** An agent deciding what to do next. */
  AGENT,
  /** A tool invoked by a model or an agent. */
  TOOL,
  /** A chain of steps, such as a retrieval-augmented pipeline. */
  CHAIN,
  /** A lookup in a document store or a vector index. */
  RETRIEVER,
  /** A judgement of another step's output. */
  EVALUATOR,
  /** A call to an embedding model. */
  EMBEDDING,
  /** A check that guards input or output (moderation, jailbreak detection, PII). */
  GUARDRAIL;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The lowercase name Langfuse expects in {@code langfuse.observation.type}, e.g. {@code "generation"}. */
  public String wireName() {
    return wireName;
  }
}
