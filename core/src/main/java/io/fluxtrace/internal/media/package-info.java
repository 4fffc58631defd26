/**
 * Media upload: binary content found in span input, output and metadata is uploaded through Langfuse's media API
 * and replaced by Langfuse's media reference. Implementation only, with no compatibility promise; see
 * {@code docs/media.md}.
 */
@NullMarked
package io.fluxtrace.internal.media;

import org.jspecify.annotations.NullMarked;
