package io.ttes.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs are generated from the Java classes at build time; the committed copies in crds/ and in
 * the Helm chart must be the same, byte for byte. Run {@code mvn -Pupdate-crds process-classes}
 * after changing the API.
 */
class CrdDriftTest {
  private static final String FIX = "run: mvn -Pupdate-crds process-classes, then commit crds/";

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    Path generated = Path.of(System.getProperty("crds.generated", "target/generated-crds"));
    List<Path> files = yamls(generated);
    assertThat(files).as("generated CRDs in " + generated).hasSize(4);
    for (Path copyDir : List.of(Path.of("crds"), Path.of("charts/ttes-operator/files/crds"))) {
      assertThat(yamls(copyDir).stream().map(p -> p.getFileName().toString()))
          .as("CRD files in %s (%s)", copyDir, FIX)
          .containsExactlyInAnyOrderElementsOf(
              files.stream().map(p -> p.getFileName().toString()).toList());
      for (Path file : files) {
        assertThat(Files.readString(copyDir.resolve(file.getFileName())))
            .as("%s in %s is out of date (%s)", file.getFileName(), copyDir, FIX)
            .isEqualTo(Files.readString(file));
      }
    }
  }

  private static List<Path> yamls(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList();
    }
  }
}
