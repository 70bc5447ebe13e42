package dev.portal.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

/**
 * axe-core, the accessibility checker the browser tests run inside each page: its published npm tarball,
 * fetched once from the registry into {@code target/axe/} and kept there, of which only {@code axe.min.js}
 * is used.
 */
final class AxeCore {
    static final String VERSION = "4.14.1";
    private static final String TARBALL = "https://registry.npmjs.org/axe-core/-/axe-core-" + VERSION + ".tgz";
    private static final Path CACHE = Path.of("target", "axe", "axe-core-" + VERSION + ".min.js");
    private static volatile String source;

    private AxeCore() {
    }

    /** The script's text, which defines {@code window.axe} when run. */
    static String source() {
        if (source == null) {
            synchronized (AxeCore.class) {
                if (source == null) {
                    source = load();
                }
            }
        }
        return source;
    }

    private static String load() {
        try {
            if (!Files.isRegularFile(CACHE)) {
                byte[] tarball = download();
                byte[] script = entry(new GZIPInputStream(new java.io.ByteArrayInputStream(tarball)), "package/axe.min.js");
                Files.createDirectories(CACHE.getParent());
                Path partial = Files.createTempFile(CACHE.getParent(), "axe", ".part");
                Files.write(partial, script);
                Files.move(partial, CACHE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return Files.readString(CACHE, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("axe-core " + VERSION + " from " + TARBALL, e);
        }
    }

    private static byte[] download() throws IOException {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(TARBALL))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("the npm registry answered " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The named file of a tar stream: 512-byte headers (name, octal size, ustar prefix), data padded to 512. */
    static byte[] entry(InputStream tar, String wanted) throws IOException {
        byte[] header = new byte[512];
        while (tar.readNBytes(header, 0, 512) == 512) {
            String name = field(header, 0, 100);
            if (name.isEmpty()) {
                break;
            }
            String prefix = field(header, 345, 155);
            if (!prefix.isEmpty() && "ustar".equals(field(header, 257, 6).trim())) {
                name = prefix + "/" + name;
            }
            long size = Long.parseLong(field(header, 124, 12).trim(), 8);
            long padded = (size + 511) / 512 * 512;
            if (name.equals(wanted) && header[156] != 'x' && header[156] != 'g') {
                byte[] data = tar.readNBytes((int) size);
                tar.skipNBytes(padded - size);
                return data;
            }
            tar.skipNBytes(padded);
        }
        throw new IOException(wanted + " is not in the tarball");
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
