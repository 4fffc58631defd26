package io.fluxtrace.internal.media;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.fluxtrace.ContentKind;
import io.fluxtrace.FailureReason;
import io.fluxtrace.GenerationData;
import io.fluxtrace.Media;
import io.fluxtrace.MediaStats;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.util.Bounds;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.config.MediaSettings;
import io.fluxtrace.internal.transport.HttpTransport;
import java.io.IOException;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.concurrent.Queues;

/**
 * Finds media in span content, uploads it to Langfuse in the background and makes sure the exported span never
 * points at media that is not there.
 *
 * <h2>Where it runs</h2>
 *
 * <ul>
 *   <li><b>Finding</b> ({@link ContentEncoder.MediaStep}): while content is serialized, after the masker (which can
 *       drop or replace media), {@link Media} values, byte arrays and {@code data:<type>;base64,...} strings become
 *       Langfuse's media reference, with the id derived from the SHA-256 (see {@link MediaContent}). Hashing (and
 *       decoding a data URI) is the only work done there, on the thread that encodes the span.
 *   <li><b>Uploading</b>: admitted media goes through a lock-free queue to at most
 *       {@link MediaSettings#maxConcurrentUploads()} uploads at once on the export scheduler and the tracer's HTTP
 *       transport ({@link MediaApi}). Uploads of the same bytes run one after the other, so the second finds them
 *       stored (Langfuse answers without an upload URL) instead of uploading them again.
 *   <li><b>Exporting</b> ({@link #awaitingUploads}): the spans of a batch that hold media wait until their uploads
 *       are settled, inside the span pipeline (so within its bound, and within {@code flush()}), then each reference
 *       of media that failed becomes a visible placeholder, and a reference Langfuse gave another id is corrected.
 *       The other spans of the batch are exported at once.
 * </ul>
 *
 * <h2>Bounds</h2>
 *
 * <p>At most {@link MediaSettings#maxQueued()} pieces and {@link MediaSettings#maxQueuedBytes()} bytes are held from
 * admission until their upload is settled (then the bytes are let go, even if the span still waits). Media that
 * does not fit is not admitted: the content gets a placeholder at once, counted as dropped. The count and the bytes
 * never exceed the bounds, as in the span pipeline.
 */
public final class MediaUploader implements ContentEncoder.MediaStep {

  private final Logger log = SafeLogger.of(MediaUploader.class);
  private final RateLimitedLog dropWarnings = new RateLimitedLog(log, Duration.ofMinutes(1));
  private final RateLimitedLog failureWarnings = new RateLimitedLog(log, Duration.ofMinutes(1));

  private final MediaSettings settings;
  private final MediaMetrics metrics = new MediaMetrics();
  private final MediaApi api;
  private final Scheduler scheduler;
  private final @Nullable ObjectMapper source;
  private final @Nullable ObjectWriter writer;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong queuedBytes = new AtomicLong();
  /** The media of each span whose export has not claimed it yet, by trace and span id. */
  private final Map<String, SpanMedia> bySpan = new ConcurrentHashMap<>();
  /** Admitted and not yet settled. */
  private final Set<Upload> pending = ConcurrentHashMap.newKeySet();
  /** The last upload of each hash, which the next one of the same hash waits for. */
  private final Map<String, Mono<Void>> lastOfHash = new ConcurrentHashMap<>();
  private final Sinks.Many<Upload> queue;
  private final Sinks.Empty<Void> abort = Sinks.empty();
  private volatile boolean closed;
  private volatile boolean aborted;

  private MediaUploader(TracerConfig config, HttpTransport transport) {
    this.settings = config.media();
    Scheduler configured = config.lifecycle().exportScheduler();
    this.scheduler = configured != null ? configured : Schedulers.parallel();
    this.api = new MediaApi(config, transport, scheduler, metrics);
    ObjectMapper mapper = config.content().objectMapper();
    ObjectWriter w;
    try {
      w = mapper.copy().registerModule(new MediaModule(this)).writer();
    } catch (RuntimeException e) {
      // A mapper subclass without copy(): media is then found only where it is a whole value, not inside one.
      log.warn("fluxtrace: the configured ObjectMapper ({}) cannot be copied, so media inside values is not found"
          + " for upload, only media that is a whole value: {}", mapper.getClass().getName(), e.toString());
      w = null;
    }
    this.source = w == null ? null : mapper;
    this.writer = w;
    MediaContent.digest(new byte[0]); // loads the digest provider here rather than on a thread that ends a span
    // Many threads admit at once: the same unsafe unicast sink over an MPSC queue as the span pipeline (see the
    // reasoning in BatchingPipeline); it is bounded by admission, never by the queue.
    this.queue = Sinks.unsafe().many().unicast().onBackpressureBuffer(Queues.<Upload>unboundedMultiproducer().get());
    queue.asFlux()
        .flatMap(upload -> process(upload).subscribeOn(scheduler), settings.maxConcurrentUploads())
        .subscribe(ignored -> { }, e -> log.error("fluxtrace: media upload stopped: {}", e.toString()));
  }

  /**
   * The uploader a configuration asks for, leasing {@code transport}; null when media upload is off or not possible
   * (see {@link MediaSettings#enabled()}).
   */
  public static @Nullable MediaUploader create(TracerConfig config, HttpTransport transport) {
    return config.enabled() && config.media().enabled() ? new MediaUploader(config, transport) : null;
  }

  // Finding (the content encoder's media step)

  @Override
  public @Nullable String replaceString(String value, ContentEncoder.SpanIds span, ContentKind kind) {
    String field = field(kind);
    if (field == null || !MediaContent.looksLikeDataUri(value)) {
      return null;
    }
    MediaContent content = MediaContent.ofDataUri(value);
    return content == null ? null : admit(content, span, field);
  }

  @Override
  public void writeValue(ObjectMapper mapper, Writer out, Object value, ContentEncoder.SpanIds span,
      ContentKind kind) throws IOException {
    String field = field(kind);
    ObjectWriter w = writer;
    if (field != null && w != null && mapper == source) {
      w.withAttribute(MediaModule.SCOPE, new MediaModule.Scope(span, field)).writeValue(out, value);
      return;
    }
    String whole = field == null ? null : wholeValue(value, span, field);
    if (whole != null) {
      mapper.writeValue(out, whole);
    } else {
      mapper.writeValue(out, value);
    }
  }

  /** The reference (or placeholder) of a value that is media as a whole; null when it is not media. */
  private @Nullable String wholeValue(Object value, ContentEncoder.SpanIds span, String field) {
    MediaContent content = content(value);
    return content == null ? null : admit(content, span, field);
  }

  /** The media {@code value} is, or null: a {@link Media}, a non-empty byte array. */
  static @Nullable MediaContent content(Object value) {
    if (value instanceof Media media) {
      return media.length() == 0 ? null
          : MediaContent.of(media.bytes(), media.contentType(), MediaContent.SOURCE_BYTES);
    }
    if (value instanceof byte[] bytes) {
      return bytes.length == 0 ? null
          : MediaContent.of(bytes, MediaContent.OCTET_STREAM, MediaContent.SOURCE_BYTES);
    }
    return null;
  }

  /** The Langfuse field of a kind of content; null for content that is not searched for media. */
  private static @Nullable String field(ContentKind kind) {
    switch (kind) {
      case INPUT:
        return "input";
      case OUTPUT:
        return "output";
      case METADATA:
        return "metadata";
      default:
        return null;
    }
  }

  /**
   * Admits media of a span's field for upload and returns the reference to write; or, when it is not admitted,
   * the placeholder to write instead, counted. Never blocks, never throws.
   */
  String admit(MediaContent content, ContentEncoder.SpanIds span, String field) {
    String key = span.traceId() + span.spanId();
    SpanMedia known = bySpan.get(key);
    Upload same = known == null ? null : known.find(content, field);
    if (same != null) {
      return same.reference; // the same bytes twice in one field: one upload
    }
    if (closed) {
      metrics.failed(FailureReason.SHUTDOWN_DEADLINE);
      return content.placeholder("the tracer was shutting down");
    }
    if (content.length() > settings.maxQueuedBytes()) {
      return dropped(content, "larger than maxQueuedMediaBytes (" + settings.maxQueuedBytes() + ")");
    }
    if (!Bounds.reserve(queued, 1, settings.maxQueued())) {
      return dropped(content, "too much media waiting for upload");
    }
    if (!Bounds.reserve(queuedBytes, content.length(), settings.maxQueuedBytes())) {
      queued.decrementAndGet();
      return dropped(content, "too much media waiting for upload");
    }
    Upload upload = new Upload(content, span.traceId(), span.spanId(), field);
    bySpan.computeIfAbsent(key, k -> new SpanMedia()).add(upload);
    pending.add(upload);
    if (queue.tryEmitNext(upload).isFailure()) {
      settle(upload, Outcome.failed(FailureReason.INTERNAL_ERROR, "the upload queue stopped"));
    }
    return upload.reference;
  }

  private String dropped(MediaContent content, String why) {
    metrics.droppedQueueFull.increment();
    dropWarnings.warn("fluxtrace: media ({}, {} bytes) was not uploaded: {}; the span shows a placeholder instead,"
        + " counted in stats().media().droppedQueueFull()", content.contentType(), content.length(), why);
    return content.placeholder(why);
  }

  // Uploading

  /** Uploads one piece of media after the previous upload of the same bytes; completes once it is settled. */
  private Mono<Outcome> process(Upload upload) {
    return Mono.defer(() -> {
          if (aborted) {
            return Mono.just(Outcome.failed(FailureReason.SHUTDOWN_DEADLINE, "the shutdown deadline passed"));
          }
          String hash = upload.content.sha256();
          Sinks.Empty<Void> done = Sinks.empty();
          Mono<Void> mine = done.asMono();
          Mono<Void> previous = lastOfHash.put(hash, mine);
          return (previous == null ? Mono.<Void>empty() : previous)
              .then(Mono.defer(() -> api.upload(upload)))
              .doFinally(signal -> {
                lastOfHash.remove(hash, mine);
                done.tryEmitEmpty();
              });
        })
        .takeUntilOther(abort.asMono())
        .defaultIfEmpty(Outcome.failed(FailureReason.SHUTDOWN_DEADLINE, "the shutdown deadline passed"))
        .onErrorResume(e -> Mono.just(Outcome.failed(FailureReason.INTERNAL_ERROR, e.toString())))
        .doOnNext(outcome -> settle(upload, outcome));
  }

  private void settle(Upload upload, Outcome outcome) {
    if (!upload.settle(outcome)) {
      return;
    }
    FailureReason failure = outcome.failure();
    if (failure != null) {
      metrics.failed(failure);
      failureWarnings.warn("fluxtrace: media ({}, {} bytes) of span {} could not be uploaded ({}: {}); the span"
          + " shows a placeholder instead, counted in stats().media().failedByReason()",
          upload.content.contentType(), upload.content.length(), upload.spanId, failure, outcome.detail());
    } else if (outcome.deduplicated()) {
      metrics.deduplicated.increment();
    } else {
      metrics.uploaded.increment();
    }
    upload.content.release();
    queuedBytes.addAndGet(-upload.content.length());
    queued.decrementAndGet();
    pending.remove(upload);
  }

  // Exporting

  /**
   * {@code exporter} behind a wait for the uploads of each batch's spans, which then goes on, on the export
   * scheduler, with each reference to media that failed replaced by a placeholder.
   */
  public SpanExporter awaitingUploads(SpanExporter exporter) {
    return new SpanExporter() {
      @Override
      public Mono<ExportResult> export(List<SpanData> batch) {
        List<SpanData> ready = null;
        List<SpanData> waiting = null;
        List<SpanMedia> media = null;
        for (int i = 0; i < batch.size(); i++) {
          SpanData span = batch.get(i);
          SpanMedia found = bySpan.remove(span.traceId() + span.spanId());
          if (found == null) {
            if (ready != null) {
              ready.add(span);
            }
            continue;
          }
          if (waiting == null || media == null) {
            ready = new ArrayList<>(batch.subList(0, i));
            waiting = new ArrayList<>();
            media = new ArrayList<>();
          }
          waiting.add(span);
          media.add(found);
        }
        if (waiting == null || media == null || ready == null) {
          return exporter.export(batch);
        }
        List<Mono<Outcome>> outcomes = new ArrayList<>();
        for (SpanMedia spanMedia : media) {
          for (Upload upload : spanMedia.uploads()) {
            outcomes.add(upload.outcome());
          }
        }
        List<SpanData> withMedia = waiting;
        List<SpanMedia> claimed = media;
        // Only the spans with media wait; the others of the batch go now, on this thread, as usual.
        Mono<ExportResult> later = Mono.when(outcomes)
            .publishOn(scheduler)
            .then(Mono.defer(() -> exporter.export(withOutcomes(withMedia, claimed))));
        return ready.isEmpty() ? later : Mono.zip(exporter.export(ready), later, ExportResult::plus);
      }

      @Override
      public Mono<Void> shutdown() {
        return exporter.shutdown();
      }

      @Override
      public String toString() {
        return exporter + " after media upload";
      }
    };
  }

  /** Forgets the media of a span the pipeline refused: nothing will export it. */
  public void forget(String traceId, String spanId) {
    bySpan.remove(traceId + spanId);
  }

  private static List<SpanData> withOutcomes(List<SpanData> spans, List<SpanMedia> media) {
    List<SpanData> result = new ArrayList<>(spans.size());
    for (int i = 0; i < spans.size(); i++) {
      result.add(media.get(i).applyTo(spans.get(i)));
    }
    return result;
  }

  // Lifecycle

  /** Completes once every upload admitted before the call is settled. Never errors. */
  public Mono<Boolean> flush() {
    return Mono.defer(() -> {
      List<Mono<Outcome>> outcomes = new ArrayList<>(pending.size());
      for (Upload upload : pending) {
        outcomes.add(upload.outcome());
      }
      return Mono.when(outcomes).thenReturn(true);
    });
  }

  /**
   * Stops admitting (later media gets a placeholder), waits at most {@code timeout} for the uploads admitted, then
   * gives up on the rest ({@link FailureReason#SHUTDOWN_DEADLINE}, so their spans show placeholders) and releases
   * the transport. Completes with whether every upload settled in time.
   */
  public Mono<Boolean> shutdown(Duration timeout) {
    return Mono.defer(() -> {
      closed = true;
      return flush()
          .timeout(timeout.isNegative() ? Duration.ZERO : timeout, Mono.just(false), scheduler)
          .flatMap(inTime -> {
            if (!inTime) {
              aborted = true;
              abort.tryEmitEmpty();
            }
            return api.shutdown().thenReturn(inTime);
          });
    });
  }

  /** Pieces of media waiting for or in upload now. */
  public long queued() {
    return queued.get();
  }

  /** The media counters now. */
  public MediaStats stats() {
    return metrics.snapshot(queued::get, queuedBytes::get);
  }

  @Override
  public String toString() {
    return "MediaUploader{" + api + ", queued=" + queued.get() + '}';
  }

  /** The uploads of one span, added by the one thread that encodes it and read by its export afterwards. */
  private static final class SpanMedia {
    private final List<Upload> uploads = new ArrayList<>(2);

    synchronized void add(Upload upload) {
      uploads.add(upload);
    }

    synchronized @Nullable Upload find(MediaContent content, String field) {
      for (Upload upload : uploads) {
        if (upload.field.equals(field) && upload.content.sha256().equals(content.sha256())
            && upload.content.contentType().equals(content.contentType())) {
          return upload;
        }
      }
      return null;
    }

    synchronized List<Upload> uploads() {
      return List.copyOf(uploads);
    }

    /** The span with each reference replaced as its upload's outcome says; all are settled by now. */
    SpanData applyTo(SpanData span) {
      String input = span.input();
      String output = span.output();
      String metadata = span.metadata();
      for (Upload upload : uploads()) {
        Outcome outcome = upload.result();
        String replacement = outcome == null
            ? upload.content.placeholder("upload not settled") : upload.replacement(outcome);
        if (replacement.equals(upload.reference)) {
          continue;
        }
        input = replace(input, upload.reference, replacement);
        output = replace(output, upload.reference, replacement);
        metadata = replace(metadata, upload.reference, replacement);
      }
      if (input == span.input() && output == span.output() && metadata == span.metadata()) {
        return span;
      }
      GenerationData generation = span.generation();
      return new SpanData(span.traceId(), span.spanId(), span.parentSpanId(), span.parentRemote(), span.name(),
          span.type(), span.startEpochNanos(), span.endEpochNanos(), span.level(), span.statusMessage(), input,
          output, metadata, span.traceAttributes(), generation, span.version(), span.traceInput(), span.traceOutput());
    }

    /** The reference is plain ASCII without quotes or backslashes, so it reads the same inside JSON text. */
    private static @Nullable String replace(@Nullable String json, String reference, String replacement) {
      return json == null || !json.contains(reference) ? json : json.replace(reference, replacement);
    }
  }
}
