package io.fluxtrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.examples.demo.DemoMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README true. Each Java block must be, verbatim, a {@code // README: name} region of a compiled source
 * (reactor-integration's {@code ReadmeExamplesTest}, this module's {@code ReadmeSnippetsTest} and main code), and
 * each region must be in the README. The other blocks are checked for what can go stale: the Maven coordinates,
 * the jar and the classes the shell commands run, the demo output's summary lines, and the links.
 */
class ReadmeTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern BLOCK = Pattern.compile("^```(\\w*)\\n(.*?)^```", Pattern.DOTALL | Pattern.MULTILINE);
  private static final String START = "// README" + ": ";
  private static final String END = "// END README";
  private static final List<Path> REGION_SOURCES = List.of(
      ROOT.resolve("core/src/test/java"),
      ROOT.resolve("reactor-integration/src/test/java"),
      ROOT.resolve("spring-ai/src/test/java"),
      ROOT.resolve("examples/src/main/java"),
      ROOT.resolve("examples/src/test/java"),
      ROOT.resolve("examples/spring-boot-sample/src/main/java"));

  private final String readme = read(ROOT.resolve("README.md"));
  private final List<Block> blocks = blocks(readme);

  record Block(String language, String code) {}

  @Test
  void everyBlockIsOfAKindThatIsChecked() {
    assertThat(blocks).isNotEmpty()
        .extracting(Block::language)
        .allSatisfy(language -> assertThat(language).isIn("java", "xml", "bash", "text", "properties"));
  }

  @Test
  void everyJavaBlockIsACompiledRegionVerbatimAndEveryRegionIsShown() {
    Map<String, String> regions = regions();
    List<String> java = blocks.stream().filter(b -> b.language().equals("java")).map(Block::code).toList();

    assertThat(regions).isNotEmpty();
    assertThat(java).allSatisfy(code -> assertThat(regions.values()).as("README regions").contains(code));
    assertThat(regions).allSatisfy((name, code) -> assertThat(java).as("README block for region %s", name)
        .contains(code));
  }

  @Test
  void theCoordinatesAreThisBuilds() {
    String pom = read(ROOT.resolve("pom.xml"));
    String version = first(Pattern.compile("<artifactId>fluxtrace-parent</artifactId>\\s*<version>([^<]+)"), pom);
    List<String> published = Stream.of("core", "reactor-integration", "spring-boot-starter")
        .map(module -> first(Pattern.compile("</parent>\\s*<artifactId>([^<]+)"), read(ROOT.resolve(module)
            .resolve("pom.xml"))))
        .toList();
    String bomPom = read(ROOT.resolve("bom/pom.xml"));
    String bom = first(Pattern.compile("<artifactId>(fluxtrace-bom)</artifactId>"), bomPom);
    assertThat(first(Pattern.compile("<artifactId>fluxtrace-bom</artifactId>\\s*<version>([^<]+)"), bomPom))
        .as("the BOM's version").isEqualTo(version);
    List<Block> xml = blocks.stream().filter(b -> b.language().equals("xml")).toList();

    assertThat(xml).isNotEmpty().allSatisfy(block -> {
      assertThat(all(Pattern.compile("<groupId>([^<]+)"), block.code())).containsOnly("io.fluxtrace");
      assertThat(all(Pattern.compile("<artifactId>([^<]+)"), block.code())).isSubsetOf(
          Stream.concat(published.stream(), Stream.of(bom)).toList());
      assertThat(all(Pattern.compile("<version>([^<]+)"), block.code())).containsOnly(version);
    });
    assertThat(published).containsExactly("fluxtrace-core", "fluxtrace-reactor", "fluxtrace-spring-boot-starter");
  }

  @Test
  void theSpringBootSetUpIsAtMostThreePropertiesTheStarterHas() {
    String properties = read(ROOT.resolve(
        "spring-boot-starter/src/main/java/io/fluxtrace/spring/boot/FluxtraceProperties.java"));
    List<Block> blocks = this.blocks.stream().filter(b -> b.language().equals("properties")).toList();
    assertThat(blocks).singleElement().satisfies(block -> {
      List<String> lines = block.code().lines().filter(line -> !line.isBlank()).toList();
      assertThat(lines).as("the README's promise: at most three properties").hasSizeBetween(1, 3);
      for (String line : lines) {
        String key = line.substring(0, line.indexOf('='));
        assertThat(key).startsWith("fluxtrace.");
        // fluxtrace.a-b.c-d is the field cD of the properties class (or of its nested group aB).
        String[] parts = key.substring("fluxtrace.".length()).split("\\.");
        for (String part : parts) {
          assertThat(properties).as("a property %s in FluxtraceProperties", key)
              .containsPattern("private [^;=]* " + Pattern.quote(camel(part)) + "( = [^;]+)?;");
        }
      }
    });
  }

  private static String camel(String kebab) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : kebab.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  @Test
  void theShellCommandsRunTheShadedJarAndClassesThatExist() throws Exception {
    Block first = blocks.get(0);
    assertThat(first.language()).isEqualTo("bash");
    assertThat(first.code().lines().map(line -> line.replaceFirst("\\s+#.*", "")).toList()).containsExactly(
        "./mvnw -q -B -DskipTests -pl examples -am package && java -jar examples/target/fluxtrace-demo.jar",
        "./mvnw -B verify");
    assertThat(read(ROOT.resolve(".ci/run"))).as(".ci/run runs the README's test command").contains("./mvnw -B verify");

    String examplesPom = read(ROOT.resolve("examples/pom.xml"));
    assertThat(examplesPom).contains("<finalName>fluxtrace-demo</finalName>")
        .contains("<mainClass>" + DemoMain.class.getName() + "</mainClass>");
    String shell = blocks.stream().filter(b -> b.language().equals("bash")).map(Block::code)
        .collect(Collectors.joining("\n"));
    Matcher jars = Pattern.compile("examples/target/([\\w.-]+\\.jar)").matcher(shell);
    while (jars.find()) {
      assertThat(jars.group(1)).isEqualTo("fluxtrace-demo.jar");
    }
    Matcher classes = Pattern.compile("io\\.fluxtrace\\.[\\w.]+").matcher(shell);
    int mains = 0;
    while (classes.find()) {
      Method main = Class.forName(classes.group()).getMethod("main", String[].class);
      assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
      mains++;
    }
    assertThat(mains).isPositive();
  }

  @Test
  void theSampleOutputEndsWithWhatTheDemoPrints() {
    // DemoMainTest asserts that the demo prints these lines for its default five requests.
    assertThat(blocks.stream().filter(b -> b.language().equals("text")))
        .singleElement()
        .extracting(Block::code)
        .asString()
        .startsWith("fluxtrace demo: 5 concurrent requests")
        .contains("isolation: 5 requests, 5 traces, 21 spans: each trace holds exactly the spans of its own request")
        .endsWith("flush: completed: exported 21, dropped 0, failed 0\n");
  }

  @Test
  void linksPointToFilesAndHeadingsThatExist() {
    Matcher links = Pattern.compile("\\]\\(([^)]+)\\)").matcher(readme);
    int checked = 0;
    while (links.find()) {
      String target = links.group(1);
      if (target.startsWith("http")) {
        continue;
      }
      int hash = target.indexOf('#');
      String file = hash < 0 ? target : target.substring(0, hash);
      String markdown = readme;
      if (!file.isEmpty()) {
        assertThat(ROOT.resolve(file)).as("link target").exists();
        markdown = file.endsWith(".md") ? read(ROOT.resolve(file)) : "";
      }
      if (hash >= 0) {
        assertThat(headings(markdown)).as("heading for %s", target).contains(target.substring(hash + 1));
      }
      checked++;
    }
    assertThat(checked).isPositive();
  }

  /** The anchors GitHub makes of a Markdown file's headings. */
  private static List<String> headings(String markdown) {
    return markdown.lines()
        .filter(line -> line.startsWith("#"))
        .map(line -> line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9 -]", "").replace(' ', '-'))
        .toList();
  }

  /** Every README region of the sources, by name, dedented. */
  private static Map<String, String> regions() {
    Map<String, String> regions = new HashMap<>();
    for (Path root : REGION_SOURCES) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          List<String> lines = read(file).lines().toList();
          for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.startsWith(START)) {
              List<String> region = new ArrayList<>();
              int j = i + 1;
              while (!lines.get(j).trim().equals(END)) {
                region.add(lines.get(j++));
              }
              String name = line.substring(START.length()) + " (" + root.relativize(file) + ")";
              assertThat(regions.put(name, dedent(region))).as("one region named %s", name).isNull();
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return regions;
  }

  private static String dedent(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return lines.stream()
        .map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing())
        .collect(Collectors.joining("\n", "", "\n"))
        .strip() + "\n";
  }

  private static List<Block> blocks(String markdown) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(markdown);
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(1).equals("java") ? dedent(m.group(2).lines().toList()) : m.group(2)));
    }
    return blocks;
  }

  private static String first(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as("%s in %s", pattern, text).isTrue();
    return m.group(1);
  }

  private static List<String> all(Pattern pattern, String text) {
    List<String> found = pattern.matcher(text).results().map(r -> r.group(1)).toList();
    assertThat(found).as("%s in %s", pattern, text).isNotEmpty();
    return found;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
