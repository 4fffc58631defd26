/**
 * The score side: recorder, score data, the score pipeline, Langfuse ingestion encoding and its 207 reading.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.score;

import org.jspecify.annotations.NullMarked;
