package io.fluxtrace.internal.content;

import org.jspecify.annotations.Nullable;

/**
 * Builds the text of a JSON object whose UTF-8 size stays within a limit. Keys are quoted and sanitized here;
 * each value is JSON text the caller produces within the room {@link #startEntry} gives. Entries that no
 * longer fit are left out and summed up in one last entry, {@code "<fluxtrace: truncated>": "N more entries
 * left out"}, so the result is always a complete object. Not thread-safe; one per object.
 */
public final class JsonObjectText {

  /** The key of the entry that says how many entries were left out. */
  public static final String OMITTED_KEY = "<fluxtrace: truncated>";

  /** Kept free for the entry that counts what was left out. */
  private static final int OMITTED_ENTRY_RESERVE = 64;
  /** No entry is started with less room than this left for its key and value. */
  private static final int MIN_ENTRY_BYTES = 64;
  /** A key never takes more than this. */
  private static final int MAX_KEY_BYTES = 1024;

  private final StringBuilder json = new StringBuilder(64).append('{');
  private long room;
  private int written;
  private int omitted;
  private int entryStart = -1;

  /** An empty object that will take at most {@code maxBytes} (at least 64). */
  public JsonObjectText(int maxBytes) {
    room = maxBytes - 2L - Math.min(OMITTED_ENTRY_RESERVE, maxBytes / 4);
  }

  /**
   * Writes {@code key} and returns how many bytes its value may take, which {@link #value} must then add; or
   * returns -1 when the entry does not fit any more, in which case it is counted as left out.
   */
  public long startEntry(String key) {
    if (omitted > 0 || room < MIN_ENTRY_BYTES) {
      omitted++;
      return -1;
    }
    entryStart = json.length();
    if (written > 0) {
      json.append(',');
    }
    long keyBytes = Math.abs(JsonText.appendQuoted(json, key, (int) Math.min(room / 2, MAX_KEY_BYTES),
        JsonText.TRUNCATED_MARKER));
    json.append(':');
    room -= keyBytes + 2;
    return room;
  }

  /** Adds the JSON text of the value of the entry just started; it must fit in the room that was given. */
  public void value(String valueJson) {
    json.append(valueJson);
    room -= JsonText.utf8Length(valueJson);
    written++;
    entryStart = -1;
  }

  /** How many entries were left out for lack of room. */
  public int omitted() {
    return omitted;
  }

  /** The object text, or null when it has no entry at all. */
  public @Nullable String finish() {
    if (entryStart >= 0) {
      json.setLength(entryStart);
      entryStart = -1;
    }
    if (omitted > 0) {
      if (written > 0) {
        json.append(',');
      }
      json.append('"').append(OMITTED_KEY).append("\":\"").append(omitted).append(" more entries left out\"");
    } else if (written == 0) {
      return null;
    }
    return json.append('}').toString();
  }
}
