package io.fluxtrace.springai.internal;

import java.util.List;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;

/**
 * An {@link EmbeddingModel} whose {@code call} is traced: the interface's default methods ({@code embed(String)},
 * {@code embed(List)}, {@code embedForResponse}) reach the traced {@code call}, so they are traced with usage.
 */
final class TracingEmbeddingModel implements EmbeddingModel {

  private final EmbeddingModel delegate;
  private final EmbeddingTracer tracer;

  TracingEmbeddingModel(EmbeddingModel delegate, EmbeddingTracer tracer) {
    this.delegate = delegate;
    this.tracer = tracer;
  }

  @Override
  public EmbeddingResponse call(EmbeddingRequest request) {
    return tracer.call(request, delegate::call);
  }

  @Override
  public float[] embed(Document document) {
    return tracer.opaque(List.of(document), () -> delegate.embed(document));
  }

  @Override
  public int dimensions() {
    return delegate.dimensions();
  }

  @Override
  public String toString() {
    return "TracingEmbeddingModel{" + delegate + '}';
  }
}
