package dev.sluice.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The Vector API stays behind the simd package: no other source file imports it. */
class IncubatorImportTest {
    @Test
    void onlySimdImportsTheVectorApi() throws IOException {
        Path root = Path.of(System.getProperty("sluice.project.dir", ".")).resolve("src");
        List<Path> offenders;
        List<Path> simdUsers;
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> users = s.filter(p -> p.toString().endsWith(".java")).filter(IncubatorImportTest::usesIncubator)
                    .toList();
            offenders = users.stream().filter(p -> !p.toString().contains("/main/java/dev/sluice/simd/")).toList();
            simdUsers = users.stream().filter(p -> p.toString().contains("/main/java/dev/sluice/simd/")).toList();
        }
        assertEquals(List.of(), offenders, "jdk.incubator imported outside src/main/java/dev/sluice/simd");
        // The check itself must see something, or it would pass on a wrong path.
        assertTrue(simdUsers.stream().anyMatch(p -> p.endsWith("PanamaKernels.java")), simdUsers.toString());
    }

    private static boolean usesIncubator(Path p) {
        try {
            return Files.readString(p).lines().anyMatch(l -> l.startsWith("import jdk.incubator"));
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
