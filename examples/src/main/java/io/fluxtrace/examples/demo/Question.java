package io.fluxtrace.examples.demo;

import java.util.List;

/**
 * One request of the demo: a user asks a question in a session.
 *
 * @param index the request's number, from 1
 * @param userId the user, {@code user-<index>}
 * @param sessionId the chat session, {@code session-<index>}
 * @param text the question
 */
record Question(int index, String userId, String sessionId, String text) {

  /** The questions, asked in turn; the fourth finds no document, so its rerank records a WARNING event. */
  static final List<String> QUESTIONS = List.of(
      "What is fluxtrace?",
      "How does flush work before exit?",
      "Which backends can receive traces?",
      "What is the capital of France?",
      "How are concurrent requests kept apart?");

  /** Request {@code index} (from 1): its own user and session, and the questions in turn. */
  static Question number(int index) {
    return new Question(index, "user-" + index, "session-" + index, QUESTIONS.get((index - 1) % QUESTIONS.size()));
  }
}
