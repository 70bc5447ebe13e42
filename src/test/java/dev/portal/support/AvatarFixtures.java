package dev.portal.support;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** What the avatar tests share: images made on the spot, multipart uploads, raw-socket requests, the blob directory. */
public abstract class AvatarFixtures extends PortalTest {
    protected static final String BOUNDARY = "portal-test-boundary-7d1a";
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    protected static ImageHost imageHost() {
        return ImageHost.get();
    }

    // ---- images ----

    protected static BufferedImage picture(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.RED, width, height, Color.BLUE));
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    protected static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    protected static byte[] png(int width, int height) {
        return encode(picture(width, height), "png");
    }

    protected static byte[] jpeg(int width, int height) {
        return encode(picture(width, height), "jpeg");
    }

    /** A GIF of two frames (an animation's first frame is what Portal keeps). */
    protected static byte[] animatedGif(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(toIndexed(picture(width, height)), null, null), null);
            BufferedImage second = picture(width, height);
            second.getGraphics().fillRect(0, 0, width / 2, height / 2);
            writer.writeToSequence(new IIOImage(toIndexed(second), null, null), null);
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static BufferedImage toIndexed(BufferedImage image) {
        BufferedImage indexed = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
        indexed.getGraphics().drawImage(image, 0, 0, null);
        return indexed;
    }

    /** A 48×32 lossless WebP (see src/test/resources/avatars/SOURCE.txt). */
    protected static byte[] webp() {
        try (InputStream in = AvatarFixtures.class.getResourceAsStream("/avatars/small-48x32.webp")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid PNG signature and IHDR declaring {@code width}×{@code height}, a tiny IDAT and IEND: a few dozen bytes. */
    protected static byte[] pngDeclaring(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, width);
        putInt(ihdr, 4, height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 6; // RGBA
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] length = new byte[4];
        putInt(length, 0, data.length);
        out.writeBytes(length);
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        byte[] sum = new byte[4];
        putInt(sum, 0, (int) crc.getValue());
        out.writeBytes(sum);
    }

    private static void putInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }

    protected static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ---- requests ----

    protected static byte[] multipart(byte[] file, String filename, String partType) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(bytes("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + partType + "\r\n\r\n"));
        body.writeBytes(file);
        body.writeBytes(bytes("\r\n--" + BOUNDARY + "--\r\n"));
        return body.toByteArray();
    }

    protected Response upload(byte[] file, String filename, String partType, Credential credential) {
        return postBytes("/api/user/avatar/upload", multipart(file, filename, partType),
                "multipart/form-data; boundary=" + BOUNDARY, credential);
    }

    /** An upload to another node, {@code base} being its URL ({@code http://127.0.0.1:port}). */
    protected Response uploadTo(String base, byte[] file, Credential credential) {
        return postBytes(base + "/api/user/avatar/upload", multipart(file, "avatar.png", "image/png"),
                "multipart/form-data; boundary=" + BOUNDARY, credential);
    }

    protected Response upload(byte[] file, Credential credential) {
        return upload(file, "avatar.png", "image/png", credential);
    }

    protected Response postBytes(String path, byte[] body, String contentType, Credential credential) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        authenticate(request, credential);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An upload as a page on {@code origin} would send it, with the browser's cookie. */
    protected Response postBytesWithOrigin(byte[] multipartBody, Credential credential, String origin) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url("/api/user/avatar/upload")))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .header("Origin", origin).POST(HttpRequest.BodyPublishers.ofByteArray(multipartBody));
        authenticate(request, credential);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected HttpResponse<byte[]> getBytes(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url(url))).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void authenticate(HttpRequest.Builder request, Credential credential) {
        if (credential.cookie() != null) {
            request.header("Cookie", "psession=" + credential.cookie());
        }
        if (credential.bearer() != null) {
            request.header("Authorization", "Bearer " + credential.bearer());
        }
    }

    /** What came back on a raw socket, and how many body bytes the client had sent by then. */
    public record RawAnswer(int status, String head, String body, long sentWhenAnswered) {
    }

    /**
     * An upload over a raw socket: {@code declaredLength} in Content-Length (or chunked when negative), of which
     * at most {@code sendAtMost} body bytes are sent (then the client waits); the answer is read while the
     * sender is still at it.
     */
    protected RawAnswer rawUpload(Credential credential, long declaredLength, long sendAtMost) {
        try (Socket socket = new Socket("127.0.0.1", TestInfrastructure.PORTAL_PORT)) {
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder("POST /api/user/avatar/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    .append("Content-Type: multipart/form-data; boundary=").append(BOUNDARY).append("\r\n");
            if (credential.cookie() != null) {
                head.append("Cookie: psession=").append(credential.cookie()).append("\r\n");
            }
            if (credential.bearer() != null) {
                head.append("Authorization: Bearer ").append(credential.bearer()).append("\r\n");
            }
            head.append(declaredLength >= 0 ? "Content-Length: " + declaredLength : "Transfer-Encoding: chunked").append("\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicLong sent = new AtomicLong();
            boolean chunked = declaredLength < 0;
            Thread sender = new Thread(() -> {
                byte[] prefix = bytes("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n");
                byte[] filler = new byte[64 * 1024];
                try {
                    byte[] first = concat(prefix, png(8, 8));
                    writeBody(out, first, chunked);
                    sent.addAndGet(first.length);
                    while (sent.get() + filler.length <= sendAtMost) {
                        writeBody(out, filler, chunked);
                        sent.addAndGet(filler.length);
                    }
                } catch (IOException e) {
                    // the server stopped reading and closed: expected
                }
            }, "raw-upload");
            sender.setDaemon(true);
            sender.start();
            InputStream in = socket.getInputStream();
            String statusLine = readLine(in);
            long sentThen = sent.get();
            StringBuilder headers = new StringBuilder(statusLine).append('\n');
            int length = -1;
            boolean chunkedAnswer = false;
            String line;
            while (!(line = readLine(in)).isEmpty()) {
                headers.append(line).append('\n');
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
                chunkedAnswer |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            if (chunkedAnswer) {
                int size;
                while ((size = Integer.parseInt(readLine(in).trim(), 16)) > 0) {
                    received.writeBytes(in.readNBytes(size));
                    readLine(in);
                }
            } else if (length >= 0) {
                received.writeBytes(in.readNBytes(length));
            }
            String body = received.toString(StandardCharsets.UTF_8);
            socket.close();
            sender.join(10_000);
            return new RawAnswer(Integer.parseInt(statusLine.split(" ")[1]), headers.toString(), body, sentThen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void writeBody(OutputStream out, byte[] data, boolean chunked) throws IOException {
        if (chunked) {
            out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            out.write(data);
        }
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        if (b < 0 && line.isEmpty()) {
            throw new IOException("connection closed before an answer");
        }
        return line.toString();
    }

    // ---- what is stored ----

    protected String uploadKey(long userId) {
        return jdbc.sql("select avatar_upload_key from users where id = :id").param("id", userId).query(String.class)
                .optional().orElse(null);
    }

    protected String avatarSource(long userId) {
        return jdbc.sql("select avatar_source from users where id = :id").param("id", userId).query(String.class)
                .optional().orElse(null);
    }

    /** Every file under the suite's blob directory, as paths relative to it. */
    protected static Set<String> blobFiles() {
        Path root = ImageHost.BLOB_DIR;
        if (!Files.exists(root)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            Set<String> all = new TreeSet<>();
            files.filter(Files::isRegularFile).forEach(p -> all.add(root.relativize(p).toString()));
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The key in an avatar URL {@code .../avatars/<key>/256.png}. */
    protected static String keyOf(String avatarUrl) {
        String[] parts = avatarUrl.split("/");
        return parts[parts.length - 2];
    }
}
