package dev.sluice.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Renames that survive a power loss: the file's bytes are forced to disk before the rename, and the directory's
 * entry after it. Without the first, a crash can leave a committed name on a file whose blocks never reached the
 * disk (a shard of zeros that a resume would trust); without the second, the rename itself can be lost while a
 * later commit record that names it is not.
 */
public final class Durable {
    private Durable() {}

    /** Moves {@code tmp} onto {@code target} atomically, both made durable. */
    public static void rename(Path tmp, Path target) throws IOException {
        force(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.toAbsolutePath().getParent());
    }

    public static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** A directory's entries; where the platform cannot open a directory (Windows), nothing. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            if (!Files.isDirectory(dir)) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
        }
    }
}
