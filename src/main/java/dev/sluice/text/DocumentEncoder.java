package dev.sluice.text;

/** Encodes documents to token ids into a buffer; one instance per worker thread (not thread-safe). */
interface DocumentEncoder {
    /** Appends the ids of {@code text}, encoded as ordinary text (no special tokens added), to the buffer. */
    void encode(String text);

    /** How many ids are in the buffer. */
    int size();

    /** The ids appended since the last call, and an empty buffer. */
    int[] take();
}
