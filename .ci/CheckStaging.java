import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks a staged release (a Maven repository layout written by {@code ./mvnw -B -Prelease -DskipTests deploy}) the
 * way Maven Central's validation would, and fails listing every problem:
 *
 * <ul>
 *   <li>every POM has groupId, artifactId, version, name and description of its own, and, itself or through its
 *       staged parents, url, a licence (name and url), a developer (id or name) and scm (connection,
 *       developerConnection, url);
 *   <li>every module with code (packaging other than pom) has its jar, -sources.jar (with .java files) and
 *       -javadoc.jar (with index.html), each non-empty;
 *   <li>every file has .md5 and .sha1 files that match its content, and with {@code --signed} an .asc signature;
 *   <li>a parent POM a module names is staged too;
 *   <li>fluxtrace-bom is staged and lists exactly the staged modules with code, at the staged version;
 *   <li>with {@code --release}, no version is a SNAPSHOT (Central accepts none).
 * </ul>
 *
 * <p>Run with the JDK alone: {@code java .ci/CheckStaging.java target/staging-deploy [--release] [--signed]}.
 */
public class CheckStaging {

  private static final String BOM = "fluxtrace-bom";

  private final List<String> problems = new ArrayList<>();
  /** groupId:artifactId:version -> the staged POM. */
  private final Map<String, Document> poms = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: java .ci/CheckStaging.java <staging-dir> [--release] [--signed]");
      System.exit(2);
    }
    Path root = Path.of(args[0]);
    boolean release = List.of(args).contains("--release");
    boolean signed = List.of(args).contains("--signed");
    System.exit(new CheckStaging().check(root, release, signed) ? 0 : 1);
  }

  boolean check(Path root, boolean release, boolean signed) throws Exception {
    if (!Files.isDirectory(root)) {
      System.err.println("check-staging: " + root + " does not exist: run ./mvnw -B -Prelease -DskipTests deploy");
      return false;
    }
    // A version directory is one that holds POMs.
    List<Path> versionDirs;
    try (Stream<Path> files = Files.walk(root)) {
      versionDirs = files.filter(p -> p.toString().endsWith(".pom")).map(Path::getParent).distinct().sorted().toList();
    }
    Map<String, String> codeModules = new TreeMap<>(); // groupId:artifactId -> version
    Map<String, List<String>> report = new TreeMap<>();
    for (Path dir : versionDirs) {
      List<Path> pomFiles;
      try (Stream<Path> files = Files.list(dir)) {
        pomFiles = files.filter(p -> p.toString().endsWith(".pom")).sorted().toList();
      }
      if (pomFiles.size() != 1) {
        problems.add(root.relativize(dir) + ": " + pomFiles.size() + " POMs (a stale earlier staging?): delete "
            + root + " and stage again");
        continue;
      }
      Path pomFile = pomFiles.get(0);
      String base = pomFile.getFileName().toString().replaceFirst("\\.pom$", "");
      Document pom = parse(pomFile);
      Element project = pom.getDocumentElement();
      String groupId = text(project, "groupId", text(child(project, "parent"), "groupId", null));
      String artifactId = text(project, "artifactId", null);
      String version = text(project, "version", text(child(project, "parent"), "version", null));
      String packaging = text(project, "packaging", "jar");
      String id = groupId + ":" + artifactId + ":" + version;
      poms.put(id, pom);
      if (groupId == null || artifactId == null || version == null) {
        problems.add(pomFile + ": no groupId, artifactId or version");
        continue;
      }
      if (release && version.endsWith("-SNAPSHOT")) {
        problems.add(id + ": a SNAPSHOT version, which Maven Central refuses (set the release version first)");
      }
      List<String> files = new ArrayList<>();
      files.add(base + ".pom");
      if (!packaging.equals("pom")) {
        codeModules.put(groupId + ":" + artifactId, version);
        files.add(base + ".jar");
        files.add(base + "-sources.jar");
        files.add(base + "-javadoc.jar");
      }
      for (String file : files) {
        checkFile(id, dir.resolve(file), signed);
      }
      if (!packaging.equals("pom")) {
        checkJarHas(id, dir.resolve(base + "-sources.jar"), ".java", "a .java file");
        checkJarHas(id, dir.resolve(base + "-javadoc.jar"), "index.html", "index.html");
      }
      report.put(id + " (" + packaging + ")", files);
    }
    for (Map.Entry<String, Document> e : poms.entrySet()) {
      checkMetadata(e.getKey(), e.getValue());
    }
    checkBom(codeModules);

    report.forEach((id, files) -> System.out.println("  " + id + ": " + String.join(", ", files)
        + " (+ .md5, .sha1" + (signed ? ", .asc" : "") + ")"));
    if (problems.isEmpty()) {
      System.out.println("check-staging: " + report.size() + " artifacts in " + root
          + " have what Maven Central requires" + (signed ? "" : " (signatures not checked: no --signed)")
          + (release ? "" : " (SNAPSHOT versions allowed: no --release)"));
      return true;
    }
    System.err.println("check-staging: " + problems.size() + " problem(s) in " + root + ":");
    problems.forEach(p -> System.err.println("  - " + p));
    return false;
  }

  private void checkFile(String id, Path file, boolean signed) throws IOException {
    if (!Files.isRegularFile(file)) {
      problems.add(id + ": missing " + file.getFileName());
      return;
    }
    if (Files.size(file) == 0) {
      problems.add(id + ": empty " + file.getFileName());
    }
    checksum(id, file, "md5", "MD5");
    checksum(id, file, "sha1", "SHA-1");
    if (signed && !Files.isRegularFile(Path.of(file + ".asc"))) {
      problems.add(id + ": missing signature " + file.getFileName() + ".asc");
    }
  }

  private void checksum(String id, Path file, String extension, String algorithm) throws IOException {
    Path sum = Path.of(file + "." + extension);
    if (!Files.isRegularFile(sum)) {
      problems.add(id + ": missing checksum " + sum.getFileName());
      return;
    }
    try {
      String expected = HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(Files.readAllBytes(file)));
      String actual = Files.readString(sum).trim().split("\\s+")[0];
      if (!expected.equalsIgnoreCase(actual)) {
        problems.add(id + ": " + sum.getFileName() + " does not match the file");
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void checkJarHas(String id, Path jar, String suffix, String what) {
    if (!Files.isRegularFile(jar)) {
      return; // reported as missing already
    }
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      if (zip.stream().map(ZipEntry::getName).noneMatch(n -> n.endsWith(suffix))) {
        problems.add(id + ": " + jar.getFileName() + " has no " + what);
      }
    } catch (IOException e) {
      problems.add(id + ": " + jar.getFileName() + " is not a readable jar: " + e.getMessage());
    }
  }

  /** The elements Central requires, each in the POM itself or (where Maven inherits it) in a staged parent. */
  private void checkMetadata(String id, Document pom) {
    Element project = pom.getDocumentElement();
    // Maven does not inherit name, and an inherited description would describe the parent: both must be own.
    for (String own : List.of("name", "description")) {
      if (text(project, own, null) == null) {
        problems.add(id + ": no <" + own + "> of its own");
      }
    }
    if (inherited(id, "url") == null) {
      problems.add(id + ": no <url>");
    }
    Element licenses = inherited(id, "licenses");
    Element license = licenses == null ? null : child(licenses, "license");
    if (license == null || text(license, "name", null) == null || text(license, "url", null) == null) {
      problems.add(id + ": no <licenses><license> with <name> and <url>");
    }
    Element developers = inherited(id, "developers");
    Element developer = developers == null ? null : child(developers, "developer");
    if (developer == null || (text(developer, "name", null) == null && text(developer, "id", null) == null)) {
      problems.add(id + ": no <developers><developer> with <name> or <id>");
    }
    Element scm = inherited(id, "scm");
    for (String part : List.of("connection", "developerConnection", "url")) {
      if (scm == null || text(scm, part, null) == null) {
        problems.add(id + ": no <scm><" + part + ">");
      }
    }
  }

  /** The element from the POM or its nearest staged parent that has it; reports a parent that is not staged. */
  private Element inherited(String id, String name) {
    Document pom = poms.get(id);
    for (int depth = 0; pom != null && depth < 10; depth++) {
      Element project = pom.getDocumentElement();
      Element element = child(project, name);
      if (element != null) {
        return element;
      }
      Element parent = child(project, "parent");
      if (parent == null) {
        return null;
      }
      String parentId = text(parent, "groupId", null) + ":" + text(parent, "artifactId", null) + ":"
          + text(parent, "version", null);
      pom = poms.get(parentId);
      if (pom == null) {
        problems.add(id + ": its parent " + parentId + " is not staged");
      }
    }
    return null;
  }

  private void checkBom(Map<String, String> codeModules) {
    Map.Entry<String, Document> bom = poms.entrySet().stream()
        .filter(e -> e.getKey().contains(":" + BOM + ":")).findFirst().orElse(null);
    if (bom == null) {
      problems.add(BOM + " is not staged");
      return;
    }
    String bomVersion = bom.getKey().substring(bom.getKey().lastIndexOf(':') + 1);
    Element management = child(bom.getValue().getDocumentElement(), "dependencyManagement");
    Element dependencies = management == null ? null : child(management, "dependencies");
    TreeSet<String> listed = new TreeSet<>();
    if (dependencies != null) {
      for (Node n = dependencies.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element d && d.getTagName().equals("dependency")) {
          String ga = text(d, "groupId", null) + ":" + text(d, "artifactId", null);
          listed.add(ga);
          String v = text(d, "version", null);
          if (v == null || !(v.equals("${project.version}") || v.equals(bomVersion))) {
            problems.add(BOM + " lists " + ga + " at version " + v + ", not the BOM's own " + bomVersion);
          }
        }
      }
    }
    for (Map.Entry<String, String> m : codeModules.entrySet()) {
      if (!listed.contains(m.getKey())) {
        problems.add(m.getKey() + " is staged but not listed in " + BOM + " (add it to bom/pom.xml)");
      } else if (!m.getValue().equals(bomVersion)) {
        problems.add(m.getKey() + " is staged at " + m.getValue() + " but " + BOM + " is " + bomVersion);
      }
    }
    for (String ga : listed) {
      if (!codeModules.containsKey(ga)) {
        problems.add(BOM + " lists " + ga + ", which is not staged (a module that skips publishing?)");
      }
    }
  }

  private static Document parse(Path file) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(false);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    try (InputStream in = Files.newInputStream(file)) {
      return factory.newDocumentBuilder().parse(in);
    }
  }

  private static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element parent, String name, String fallback) {
    Element e = child(parent, name);
    if (e == null || e.getTextContent().isBlank()) {
      return fallback;
    }
    return e.getTextContent().trim();
  }
}
