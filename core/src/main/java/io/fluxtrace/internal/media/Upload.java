package io.fluxtrace.internal.media;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** One piece of media of one span's field, admitted for upload; settled exactly once. */
final class Upload {

  final MediaContent content;
  final String traceId;
  final String spanId;
  final String field;
  /** The reference written into the content, which the span's export replaces when the upload did not succeed. */
  final String reference;
  private final Sinks.One<Outcome> outcome = Sinks.one();
  private volatile @Nullable Outcome result;

  Upload(MediaContent content, String traceId, String spanId, String field) {
    this.content = content;
    this.traceId = traceId;
    this.spanId = spanId;
    this.field = field;
    this.reference = content.reference();
  }

  /** Emits the outcome once settled; replays it afterwards. */
  Mono<Outcome> outcome() {
    return outcome.asMono();
  }

  /** Records the outcome; false if it was settled already. */
  boolean settle(Outcome settled) {
    synchronized (this) {
      if (result != null) {
        return false;
      }
      result = settled;
    }
    outcome.tryEmitValue(settled);
    return true;
  }

  /** The outcome, or null while the upload is not settled. */
  @Nullable Outcome result() {
    return result;
  }

  /** The text that replaces {@link #reference} in the exported span, or null to keep it. */
  String replacement(Outcome result) {
    String id = result.mediaId();
    if (id == null) {
      return content.placeholder("upload failed (" + result.failure() + ")");
    }
    // A record Langfuse made before it derived ids from hashes keeps its own id.
    return id.equals(content.mediaId()) ? reference : content.reference(id);
  }

  @Override
  public String toString() {
    return "Upload{" + content + ", " + field + " of span " + spanId + '}';
  }
}
