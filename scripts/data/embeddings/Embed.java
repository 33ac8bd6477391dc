// Embeds text segments with all-MiniLM-L6-v2 (quantized, in process) and writes a float32 .npy file
// and a text file with one segment per line. Run by scripts/data/embeddings.sh.
//
//   java -cp CLASSPATH Embed.java --corpus fortunes|licenses --unit record|line --limit N --out PREFIX
//
// fortunes: every file under /usr/share/games/fortunes (Debian package fortunes), records split at '%'.
// licenses: every file under /usr/share/common-licenses (Debian base-files), records split at blank lines.
// changelogs: fortunes lines first, then the lines of every /usr/share/doc/*/changelog.Debian.gz (the
//   benchmark set; how many lines there are depends on the packages installed).
// Files are read in sorted order and duplicates dropped, so a run is reproducible on one Debian release.
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Stream;

public class Embed {
    public static void main(String[] args) throws IOException {
        String corpus = "fortunes", unit = "record", out = null;
        int limit = Integer.MAX_VALUE;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--corpus" -> corpus = args[i + 1];
                case "--unit" -> unit = args[i + 1];
                case "--limit" -> limit = Integer.parseInt(args[i + 1]);
                case "--out" -> out = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        boolean changelogs = corpus.equals("changelogs");
        Path dir = Path.of(corpus.equals("licenses") ? "/usr/share/common-licenses" : "/usr/share/games/fortunes");
        String separator = corpus.equals("licenses") ? "\\n\\s*\\n" : "(?m)^%\\s*$";
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".dat")
                    && !p.toString().endsWith(".u8")).sorted().toList());
        }
        if (changelogs) {
            unit = "line";
            try (Stream<Path> s = Files.list(Path.of("/usr/share/doc"))) {
                files.addAll(s.map(d -> d.resolve("changelog.Debian.gz")).filter(Files::isRegularFile).sorted().toList());
            }
        }
        LinkedHashSet<String> segments = new LinkedHashSet<>();
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            if (f.toString().endsWith(".gz")) {
                bytes = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes)).readAllBytes();
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            for (String record : text.split(separator)) {
                List<String> parts = unit.equals("line") ? List.of(record.split("\\n")) : List.of(record);
                for (String p : parts) {
                    String t = p.strip().replaceAll("\\s+", " ");
                    if (t.length() >= 12 && segments.size() < limit) {
                        segments.add(t);
                    }
                }
            }
        }
        List<String> list = new ArrayList<>(segments);
        var model = new AllMiniLmL6V2QuantizedEmbeddingModel();
        int dim = 384;
        ByteBuffer data = ByteBuffer.allocate(list.size() * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        long t0 = System.nanoTime();
        for (int i = 0; i < list.size(); i += 256) {
            List<TextSegment> batch = list.subList(i, Math.min(list.size(), i + 256)).stream().map(TextSegment::from)
                    .toList();
            for (Embedding e : model.embedAll(batch).content()) {
                for (float v : e.vector()) {
                    data.putFloat(v);
                }
            }
            if ((i / 256) % 40 == 0) {
                System.err.printf("%s: %d of %d embedded (%.0f s)%n", out, i + batch.size(), list.size(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        writeNpy(Path.of(out + ".npy"), data.flip(), list.size(), dim);
        Files.write(Path.of(out + ".txt"), list, StandardCharsets.UTF_8);
        System.err.printf("%s: %d x %d float32%n", out, list.size(), dim);
    }

    static void writeNpy(Path file, ByteBuffer data, int rows, int dim) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + dim + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(head);
            while (data.hasRemaining()) {
                ch.write(data);
            }
        }
    }
}
