package io.fluxtrace.reactor;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.reactor.internal.ContextSpans;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The request's tracing state in the Reactor Context: writers for {@code contextWrite} and readers for code inside
 * a traced step.
 *
 * <p>Trace-wide attributes are set once per request, below (downstream of) the traced steps, and stamped on every
 * span of the request, because Langfuse reads them from each span:
 *
 * <pre>{@code
 * handle(request)
 *     .contextWrite(TraceContext.userId(request.userId()))
 *     .contextWrite(TraceContext.sessionId(request.sessionId()))
 *     .contextWrite(TraceContext.traceparent(request.header("traceparent")));
 * }</pre>
 *
 * <p>Nested writes merge ({@link TraceAttributes#mergedWith}): a write closer to the steps (upstream) overrides
 * single values and adds tags and metadata for the steps it covers. A null value writes nothing, so a missing header
 * needs no special case. Like every {@code contextWrite}, a write is seen only by the operators above it.
 */
public final class TraceContext {

  private static final Mono<Span> CURRENT_SPAN = Mono.deferContextual(c -> Mono.just(currentSpan(c)));
  private static final Mono<String> CURRENT_TRACEPARENT = Mono.deferContextual(c -> {
    SpanContext parent = ContextSpans.parent(c);
    return parent == null ? Mono.empty() : Mono.just(Traceparent.format(parent));
  });
  private static final Mono<String> CURRENT_TRACE_ID = Mono.deferContextual(c -> {
    SpanContext parent = ContextSpans.parent(c);
    return parent == null ? Mono.empty() : Mono.just(parent.traceId());
  });

  private TraceContext() {}

  /** Merges {@code attributes} into the request's trace-wide attributes. */
  public static Function<Context, Context> attributes(TraceAttributes attributes) {
    Objects.requireNonNull(attributes, "attributes");
    if (attributes.isEmpty()) {
      return Function.identity();
    }
    return context -> context.put(ContextSpans.ATTRIBUTES, ContextSpans.attributes(context).mergedWith(attributes));
  }

  /** The end user ({@code langfuse.user.id}); null writes nothing. */
  public static Function<Context, Context> userId(@Nullable String userId) {
    return attributes(TraceAttributes.builder().userId(userId).build());
  }

  /** The session or conversation ({@code langfuse.session.id}); null writes nothing. */
  public static Function<Context, Context> sessionId(@Nullable String sessionId) {
    return attributes(TraceAttributes.builder().sessionId(sessionId).build());
  }

  /** The trace's name ({@code langfuse.trace.name}); without it Langfuse uses the root span's name. */
  public static Function<Context, Context> traceName(@Nullable String traceName) {
    return attributes(TraceAttributes.builder().traceName(traceName).build());
  }

  /** Tags added to the trace ({@code langfuse.trace.tags}); nulls are skipped. */
  public static Function<Context, Context> tags(@Nullable String... tags) {
    return attributes(TraceAttributes.builder().tags(tags).build());
  }

  /**
   * One trace metadata entry ({@code langfuse.trace.metadata}): a string, or a structured value (a map, a list, any
   * value the tracer's {@code ObjectMapper} serializes) that is masked, serialized and truncated like span content;
   * a null value writes nothing.
   */
  public static Function<Context, Context> metadata(String key, @Nullable Object value) {
    return attributes(TraceAttributes.builder().metadata(Objects.requireNonNull(key, "key"), value).build());
  }

  /** The application release ({@code langfuse.release}); null writes nothing. */
  public static Function<Context, Context> release(@Nullable String release) {
    return attributes(TraceAttributes.builder().release(release).build());
  }

  /** The version of the traced logic ({@code langfuse.version}); null writes nothing. */
  public static Function<Context, Context> version(@Nullable String version) {
    return attributes(TraceAttributes.builder().version(version).build());
  }

  /**
   * Links the Langfuse prompt {@code name} at {@code version} to every generation of the request that does not link
   * its own, so a prompt fetched once per request is linked to all the generations it produced. A null name writes
   * nothing.
   */
  public static Function<Context, Context> prompt(@Nullable String name, int version) {
    return attributes(TraceAttributes.builder().prompt(name, version).build());
  }

  /**
   * Starts the request's trace under this id instead of a random one, such as {@link TraceIds#fromSeed} of an
   * external request id, so that a later job can score the trace by the same id. Applies when the steps above have
   * no parent (a joined {@link #traceparent} or an enclosing span wins); null writes nothing.
   *
   * @throws IllegalArgumentException when {@code traceId} is not a W3C trace id (32 lowercase hex characters, not
   *     all zeros)
   */
  public static Function<Context, Context> traceId(@Nullable String traceId) {
    if (traceId == null) {
      return Function.identity();
    }
    if (!TraceIds.isValidTraceId(traceId)) {
      throw new IllegalArgumentException("fluxtrace: traceId must be a W3C trace id (32 lowercase hex characters,"
          + " not all zeros), got '" + traceId + "'");
    }
    return context -> context.put(ContextSpans.TRACE_ID, traceId);
  }

  /**
   * Joins the trace of an incoming W3C {@code traceparent} header: the steps above become part of the caller's
   * trace, and the outermost of them is marked as this application's root. A null or invalid header writes nothing,
   * so the request starts a new trace. See {@link Traceparent#parse} for validation and the sampled flag.
   */
  public static Function<Context, Context> traceparent(@Nullable String header) {
    Optional<SpanContext> parent = Traceparent.parse(header);
    if (parent.isEmpty()) {
      return Function.identity();
    }
    SpanContext remote = parent.get();
    // A span already in the Context is left behind: the steps above now belong to the remote caller's trace.
    return context -> context.delete(ContextSpans.SPAN).put(ContextSpans.REMOTE_PARENT, remote);
  }

  /**
   * The current span, to set metadata, level or output from inside a step: the span of the innermost traced step
   * enclosing the subscriber. Emits {@link Span#noop()} outside every traced step, when tracing is disabled or when
   * the trace is not recorded, so {@code currentSpan().flatMap(...)} always runs the user's code.
   */
  public static Mono<Span> currentSpan() {
    return CURRENT_SPAN;
  }

  /** The current span in {@code context}, for code that holds a ContextView; {@link Span#noop()} if none. */
  public static Span currentSpan(ContextView context) {
    Span span = ContextSpans.span(context);
    return span == null ? Span.noop() : span;
  }

  /**
   * The id of the current trace, for logs and response headers; empty outside every traced step (unless a remote
   * parent was joined) and when tracing is disabled.
   */
  public static Mono<String> currentTraceId() {
    return CURRENT_TRACE_ID;
  }

  /**
   * The link to the current trace in the Langfuse UI ({@link FluxTracer#traceUrl}), for logs, error pages and
   * support tickets; empty where {@link #currentTraceId()} is, or when {@code tracer} does not export to Langfuse.
   */
  public static Mono<String> currentTraceUrl(FluxTracer tracer) {
    Objects.requireNonNull(tracer, "tracer");
    return CURRENT_TRACE_ID.mapNotNull(tracer::traceUrl);
  }

  /**
   * The {@code traceparent} header that makes the current span the parent of an outgoing call, so the callee joins
   * this trace; empty outside every traced step (unless a remote parent was joined, which is passed on).
   */
  public static Mono<String> currentTraceparent() {
    return CURRENT_TRACEPARENT;
  }
}
