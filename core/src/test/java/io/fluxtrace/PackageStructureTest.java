package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house plan of core (see {@code docs/architecture.md}), checked on the sources: the implementation
 * packages form no cycle, and the public packages reach into {@code internal} only through the facades listed
 * here.
 */
class PackageStructureTest {

  /**
   * The public classes that may import {@code internal}, each for a reason:
   *
   * <ul>
   *   <li>{@code FluxTracer}: the facade that wires the span and score sides together;
   *   <li>{@code FluxTracerBuilder}: validates the settings into the internal configuration;
   *   <li>{@code ContentMasker}: its {@code deep(..)} factory returns the internal deep masker;
   *   <li>{@code Score}: its builder draws score ids from the non-blocking {@code Uuids}.
   * </ul>
   */
  private static final Set<String> FACADES = Set.of(
      "io.fluxtrace.FluxTracer", "io.fluxtrace.FluxTracerBuilder", "io.fluxtrace.ContentMasker",
      "io.fluxtrace.Score");

  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?(io\\.fluxtrace[\\w.]*?)\\.[A-Z]", Pattern.MULTILINE);

  /** Package -> the fluxtrace packages it imports, and class -> its imported packages. */
  private static final Map<String, Set<String>> packageImports = new TreeMap<>();
  private static final Map<String, Set<String>> classImports = new TreeMap<>();

  @BeforeAll
  static void readSources() throws IOException {
    Path root = Path.of("src/main/java");
    assertThat(root).isDirectory();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        String source = Files.readString(file);
        Matcher pkg = PACKAGE.matcher(source);
        assertThat(pkg.find()).as("package of %s", file).isTrue();
        String name = pkg.group(1);
        String className = name + "." + file.getFileName().toString().replace(".java", "");
        Set<String> imported = new TreeSet<>();
        Matcher imports = IMPORT.matcher(source);
        while (imports.find()) {
          if (!imports.group(1).equals(name)) {
            imported.add(imports.group(1));
          }
        }
        packageImports.computeIfAbsent(name, k -> new TreeSet<>()).addAll(imported);
        classImports.put(className, imported);
      }
    }
    assertThat(packageImports).containsKeys("io.fluxtrace", "io.fluxtrace.internal.span",
        "io.fluxtrace.internal.pipeline", "io.fluxtrace.internal.export", "io.fluxtrace.internal.transport");
  }

  @Test
  void implementationPackagesFormNoCycle() {
    List<String> cycles = new ArrayList<>();
    for (String start : packageImports.keySet()) {
      if (isInternal(start) && reachable(start).contains(start)) {
        cycles.add(start + " reaches itself through " + reachable(start));
      }
    }
    assertThat(cycles).isEmpty();
  }

  @Test
  void publicPackagesReachInternalOnlyThroughTheFacades() {
    List<String> offenders = new ArrayList<>();
    classImports.forEach((className, imported) -> {
      if (!isInternal(packageOf(className)) && !FACADES.contains(className)
          && imported.stream().anyMatch(PackageStructureTest::isInternal)) {
        offenders.add(className);
      }
    });
    assertThat(offenders).isEmpty();
    assertThat(FACADES).allSatisfy(facade -> assertThat(classImports).containsKey(facade));
  }

  private static Set<String> reachable(String start) {
    Set<String> seen = new TreeSet<>();
    List<String> todo = new ArrayList<>(List.of(start));
    while (!todo.isEmpty()) {
      String next = todo.remove(todo.size() - 1);
      for (String dependency : packageImports.getOrDefault(next, Set.of())) {
        if (isInternal(dependency) && seen.add(dependency)) {
          todo.add(dependency);
        }
      }
    }
    return seen;
  }

  private static boolean isInternal(String packageName) {
    return packageName.startsWith("io.fluxtrace.internal");
  }

  private static String packageOf(String className) {
    return className.substring(0, className.lastIndexOf('.'));
  }
}
