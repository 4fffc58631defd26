package io.fluxtrace.springai.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Scope}s in flight, found by the identity of the objects a blocking call receives: Spring AI hands a
 * vector store the very user text, an embedding model the very query, a model and a tool-calling manager the very
 * message instances the scope was opened with (it copies lists, never their elements). Identity, not equality, so
 * that two concurrent requests asking the same thing are never mixed up; no thread state is read.
 *
 * <p>A key registered by a nested scope (a search inside a {@code ChatClient} call) hides the outer one until the
 * nested scope closes.
 */
final class Scopes {

  private final ConcurrentHashMap<Id, Scope> byKey = new ConcurrentHashMap<>();

  /** Registers {@code scope} under each of {@code keys}; the returned handle unregisters it, once. */
  AutoCloseable open(Scope scope, Iterable<?> keys) {
    List<Id> ids = new ArrayList<>();
    List<@Nullable Scope> previous = new ArrayList<>();
    for (Object key : keys) {
      if (key == null) {
        continue;
      }
      Id id = new Id(key);
      ids.add(id);
      previous.add(byKey.put(id, scope));
    }
    return () -> {
      for (int i = 0; i < ids.size(); i++) {
        Scope before = previous.get(i);
        if (before == null) {
          byKey.remove(ids.get(i), scope);
        } else {
          byKey.replace(ids.get(i), scope, before);
        }
      }
    };
  }

  /** The scope one of {@code candidates} was registered by, or null. */
  @Nullable Scope find(Iterable<?> candidates) {
    if (byKey.isEmpty()) {
      return null;
    }
    for (Object candidate : candidates) {
      if (candidate != null) {
        Scope scope = byKey.get(new Id(candidate));
        if (scope != null) {
          return scope;
        }
      }
    }
    return null;
  }

  /** An identity key. */
  private static final class Id {
    private final Object target;

    Id(Object target) {
      this.target = target;
    }

    @Override
    public boolean equals(@Nullable Object other) {
      return other instanceof Id id && id.target == target;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(target);
    }
  }

  static void close(@Nullable AutoCloseable handle) {
    if (handle == null) {
      return;
    }
    try {
      handle.close();
    } catch (Exception e) {
      // The handle above throws nothing.
    }
  }
}
