package dev.portal.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The figures the fault tests measure (seconds to 503, seconds to recovery, writes acknowledged against
 * writes found), printed and collected in {@code target/fault-figures.txt}, which {@code .ci/run} shows
 * after the build: surefire keeps each test's own output in a file of its own.
 */
public final class FaultFigures {
    private static final Path FILE = Path.of("target", "fault-figures.txt");

    private FaultFigures() {
    }

    /** One line, as {@code [test] figures}. */
    public static synchronized void report(String test, String figures) {
        String line = "[" + test + "] " + figures;
        System.out.println(line);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
