package io.fluxtrace.examples.rag;

/**
 * A document found for a question.
 *
 * @param id the document's id
 * @param text its text
 * @param score its relevance to the question, from 0 to 1
 */
public record Doc(String id, String text, double score) {}
