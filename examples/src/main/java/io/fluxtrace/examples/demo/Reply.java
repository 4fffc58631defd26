package io.fluxtrace.examples.demo;

/**
 * The outcome of one request.
 *
 * @param question the request
 * @param traceId the id of its trace, empty when it was not traced
 * @param answer the streamed answer, joined
 */
record Reply(Question question, String traceId, String answer) {}
