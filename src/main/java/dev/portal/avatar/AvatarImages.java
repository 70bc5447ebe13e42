package dev.portal.avatar;

import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import dev.portal.platform.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The image pipeline (SECURITY items 20 and 21). The type is decided by content: the magic bytes name the
 * format, the file's own structure must end where the image ends (so image bytes followed by HTML or a ZIP,
 * the usual polyglot, are refused), the header's dimensions are read and bounded before a pixel is decoded
 * (a small file declaring 20000×20000 is refused unread), then the image is decoded whole. What is stored is
 * only a re-encoding: centre-cropped squares in {@link #SIZES}, written as PNG with no metadata copied.
 */
@Component
public class AvatarImages {
    public static final long MAX_BYTES = 8L * 1024 * 1024;
    public static final int MAX_SIDE = 4096;
    public static final List<Integer> SIZES = List.of(64, 256, 512);
    /** Renders at once: each may hold a 4096×4096 image (64 MiB) and its square copy in memory. */
    private static final int CONCURRENT_DECODES = 2;

    /** The formats accepted, by their ImageIO names. */
    enum Format {
        PNG("png"), JPEG("jpeg"), GIF("gif"), WEBP("webp");

        final String imageIoName;

        Format(String imageIoName) {
            this.imageIoName = imageIoName;
        }
    }

    private final Semaphore decoding = new Semaphore(CONCURRENT_DECODES);

    AvatarImages() {
        // No temporary files for image streams; and the plugins (the WebP reader) of Portal's own class path,
        // which ImageIO would otherwise look for with whichever thread's class loader touched it first.
        ImageIO.setUseCache(false);
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(AvatarImages.class.getClassLoader());
        try {
            ImageIO.scanForPlugins();
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        for (Format format : Format.values()) {
            if (!ImageIO.getImageReadersByFormatName(format.imageIoName).hasNext()) {
                throw new IllegalStateException("No ImageIO reader for " + format);
            }
        }
    }

    /** Checks, decodes and re-encodes {@code bytes}: PNG bytes per size in {@link #SIZES}. */
    public Map<Integer, byte[]> render(byte[] bytes) {
        Format format = check(bytes);
        // The permit covers every step that holds pixels (decode, crop, scale, encode), so the memory this
        // takes is bounded per node whatever the number of uploads at once.
        acquire();
        try {
            BufferedImage square = centreSquare(read(bytes, format));
            Map<Integer, byte[]> out = new LinkedHashMap<>();
            for (int size : SIZES) {
                out.put(size, png(scale(square, size)));
            }
            return out;
        } finally {
            decoding.release();
        }
    }

    private void acquire() {
        try {
            if (!decoding.tryAcquire(5, TimeUnit.SECONDS)) {
                throw ApiProblem.unavailable();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiProblem.unavailable();
        }
    }

    /** The format by content, refusing anything but one well-formed image that ends where the bytes end. */
    private Format check(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw tooLarge();
        }
        Format format = sniff(bytes);
        if (format == null) {
            throw unsupported("The file is not a PNG, JPEG, GIF or WebP image.");
        }
        int end = switch (format) {
            case PNG -> pngEnd(bytes);
            case JPEG -> jpegEnd(bytes);
            case GIF -> gifEnd(bytes);
            case WEBP -> webpEnd(bytes);
        };
        if (end < 0) {
            throw unsupported("The file starts like a " + format + " image but is not a well-formed one.");
        }
        if (end != bytes.length) {
            throw unsupported("The file has data after the end of its " + format + " image.");
        }
        return format;
    }

    private static BufferedImage read(byte[] bytes, Format format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName);
        ImageReader reader = readers.next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            // The header only: nothing is decoded until the size is known to be acceptable.
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
                throw unsupported("The image is " + width + "×" + height + " pixels; at most " + MAX_SIDE + "×"
                        + MAX_SIDE + " are accepted.");
            }
            ImageReadParam param = reader.getDefaultReadParam();
            // Animated GIF and WebP: the first frame.
            BufferedImage image = reader.read(0, param);
            if (image.getWidth() != width || image.getHeight() != height) {
                throw unsupported("The " + format + " image decodes to another size than its header says.");
            }
            return image;
        } catch (ApiProblem e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Truncated data, a bad checksum, an unsupported variant (CMYK JPEG...): all the sender's.
            throw unsupported("The " + format + " image could not be decoded.");
        } finally {
            reader.dispose();
        }
    }

    static Format sniff(byte[] b) {
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Format.PNG;
        }
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return Format.JPEG;
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Format.GIF;
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return Format.WEBP;
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int offset, int... expected) {
        if (b.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((b[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static long u32be(byte[] b, int i) {
        return ((long) u8(b, i) << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) | u8(b, i + 3);
    }

    /** Where the IEND chunk ends, walking the chunks; -1 if they do not lead there. */
    static int pngEnd(byte[] b) {
        int pos = 8;
        boolean first = true;
        while (pos + 12 <= b.length) {
            long length = u32be(b, pos);
            String type = new String(b, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (first && !type.equals("IHDR")) {
                return -1;
            }
            first = false;
            long next = pos + 12 + length;
            if (length > Integer.MAX_VALUE || next > b.length) {
                return -1;
            }
            pos = (int) next;
            if (type.equals("IEND")) {
                return pos;
            }
        }
        return -1;
    }

    /** Where the EOI marker ends, walking segments and entropy-coded scans; -1 if it is never reached. */
    static int jpegEnd(byte[] b) {
        int pos = 2;
        while (pos < b.length) {
            if (u8(b, pos) != 0xFF) {
                return -1;
            }
            while (pos < b.length && u8(b, pos) == 0xFF) {
                pos++;
            }
            if (pos >= b.length) {
                return -1;
            }
            int marker = u8(b, pos++);
            if (marker == 0xD9) {
                return pos;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue;
            }
            if (marker == 0xD8 || marker == 0x00 || pos + 2 > b.length) {
                return -1;
            }
            int length = (u8(b, pos) << 8) | u8(b, pos + 1);
            if (length < 2 || pos + length > b.length) {
                return -1;
            }
            pos += length;
            if (marker == 0xDA) {
                // Entropy-coded data: up to the next marker that is neither a stuffed 0xFF nor a restart.
                while (pos < b.length) {
                    if (u8(b, pos) == 0xFF && pos + 1 < b.length) {
                        int following = u8(b, pos + 1);
                        if (following == 0x00 || (following >= 0xD0 && following <= 0xD7) || following == 0xFF) {
                            pos += following == 0xFF ? 1 : 2;
                            continue;
                        }
                        break;
                    }
                    pos++;
                }
            }
        }
        return -1;
    }

    /** Where the trailer (0x3B) ends, walking the blocks; -1 if they do not lead there. */
    static int gifEnd(byte[] b) {
        int pos = 6 + 7;
        if (b.length < pos) {
            return -1;
        }
        int flags = u8(b, 10);
        if ((flags & 0x80) != 0) {
            pos += 3 * (1 << ((flags & 0x07) + 1));
        }
        while (pos < b.length) {
            int block = u8(b, pos++);
            switch (block) {
                case 0x3B -> {
                    return pos;
                }
                case 0x21 -> {
                    pos++; // the extension's label
                    pos = subBlocksEnd(b, pos);
                }
                case 0x2C -> {
                    if (pos + 9 > b.length) {
                        return -1;
                    }
                    int local = u8(b, pos + 8);
                    pos += 9;
                    if ((local & 0x80) != 0) {
                        pos += 3 * (1 << ((local & 0x07) + 1));
                    }
                    pos++; // LZW minimum code size
                    pos = subBlocksEnd(b, pos);
                }
                default -> {
                    return -1;
                }
            }
            if (pos < 0) {
                return -1;
            }
        }
        return -1;
    }

    private static int subBlocksEnd(byte[] b, int pos) {
        while (pos < b.length) {
            int size = u8(b, pos++);
            if (size == 0) {
                return pos;
            }
            pos += size;
        }
        return -1;
    }

    /** Where the RIFF container says it ends (its size field, padded to even); -1 if beyond the data. */
    static int webpEnd(byte[] b) {
        long size = (u8(b, 4)) | (u8(b, 5) << 8) | (u8(b, 6) << 16) | ((long) u8(b, 7) << 24);
        long end = 8 + size + (size & 1);
        return end > b.length || size < 4 ? -1 : (int) end;
    }

    private static BufferedImage centreSquare(BufferedImage image) {
        int side = Math.min(image.getWidth(), image.getHeight());
        int x = (image.getWidth() - side) / 2;
        int y = (image.getHeight() - side) / 2;
        BufferedImage square = new BufferedImage(side, side, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = square.createGraphics();
        try {
            g.setComposite(AlphaComposite.Src);
            g.drawImage(image, -x, -y, null);
        } finally {
            g.dispose();
        }
        return square;
    }

    /** Halves with bilinear filtering while more than twice too large, then one bicubic step: smooth, no aliasing. */
    private static BufferedImage scale(BufferedImage square, int size) {
        BufferedImage current = square;
        while (current.getWidth() / 2 >= size) {
            current = resize(current, current.getWidth() / 2, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        return current.getWidth() == size ? current : resize(current, size, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    }

    private static BufferedImage resize(BufferedImage image, int size, Object interpolation) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setComposite(AlphaComposite.Src);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.drawImage(image, 0, 0, size, size, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("No PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static ApiProblem unsupported(String detail) {
        return new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                detail + " Send a PNG, JPEG, GIF or WebP image of at most " + MAX_SIDE + "×" + MAX_SIDE + " pixels.");
    }

    static ApiProblem tooLarge() {
        return new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large",
                "The image is larger than " + MAX_BYTES / (1024 * 1024) + " MiB.");
    }
}
