package io.fluxtrace.examples.quickstart;

// README: quickstart
import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import reactor.core.publisher.Mono;

public class Quickstart {

  public static void main(String[] args) {
    try (FluxTracer tracer = FluxTracer.builder().build()) {     // reads the LANGFUSE_* variables
      ReactorTracing tracing = ReactorTracing.create(tracer);   // one tracer and one of these per application

      String answer = Mono.fromSupplier(() -> "Paris")           // your model call: any Mono (or Flux)
          .transform(tracing.generation("answer")
              .model("my-model")
              .input("What is the capital of France?")
              .mono())                                           // the value is recorded as the output
          .contextWrite(TraceContext.userId("user-1"))           // trace-wide attributes, set once per request
          .block();                                              // a command-line program; in WebFlux, return the Mono
      System.out.println(answer);
    }                                                            // close() returns once the trace is delivered
  }
}
// END README
