package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;

class SluiceExceptionTest {
    @Test
    void aFullDiskSaysSoAndHowToResume() {
        SluiceException e = SluiceException.cannotWrite("out/_units/unit-00000.json",
                new FileSystemException("out/_units/unit-00000.json", null, "No space left on device"));
        assertEquals(SluiceException.Kind.RESOURCE, e.kind());
        assertTrue(e.getMessage().startsWith("disk full while writing out/_units/unit-00000.json"), e.getMessage());
        assertTrue(e.getMessage().endsWith("free space (or inodes: df -i) on the output or --tmp-dir disk, then rerun to resume"),
                e.getMessage());
    }

    @Test
    void otherWriteErrorsKeepTheSystemsWords() {
        SluiceException e = SluiceException.cannotWrite("out/a.json", new IOException("Permission denied"));
        assertEquals(SluiceException.Kind.RESOURCE, e.kind());
        assertEquals("cannot write out/a.json: Permission denied", e.getMessage());
    }
}
