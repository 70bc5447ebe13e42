package dev.portal.platform;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * A position in a list kept newest first by {@code (created_at desc, id desc)}: the page after it holds the
 * rows strictly older. The cursor a client sees is opaque (base64url of {@code "epochMicros:id"}); it is
 * stable under inserts because a row added later sorts before it, never after. Microseconds because that is
 * what PostgreSQL keeps of a {@code timestamptz}; a finer instant would skip or repeat rows at the boundary.
 */
public record Keyset(Instant createdAt, long id) {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    public String encode() {
        long micros = Math.addExact(Math.multiplyExact(createdAt.getEpochSecond(), 1_000_000L), createdAt.getNano() / 1_000);
        return ENCODER.encodeToString((micros + ":" + id).getBytes(StandardCharsets.US_ASCII));
    }

    /** The position a cursor names, or empty when it is not one this class made. */
    public static Optional<Keyset> decode(String cursor) {
        if (cursor == null || cursor.isEmpty() || cursor.length() > 64) {
            return Optional.empty();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (!text.matches("-?\\d{1,19}:\\d{1,19}")) {
                return Optional.empty();
            }
            int colon = text.indexOf(':');
            long micros = Long.parseLong(text.substring(0, colon));
            long id = Long.parseLong(text.substring(colon + 1));
            Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
            // Years PostgreSQL and the v1 time format both hold; anything outside is not a cursor we made.
            return at.isBefore(EARLIEST) || at.isAfter(LATEST) ? Optional.empty() : Optional.of(new Keyset(at, id));
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /**
     * A user's rows of {@code table} (a table with {@code user_id}, {@code created_at} and {@code id}; named
     * by the caller's code, never by a request) older than {@code before} (null: from the newest), newest
     * first, at most {@code limit}. Every history list pages through here.
     */
    public static <T> java.util.List<T> userPage(org.springframework.jdbc.core.simple.JdbcClient jdbc, String table,
            long userId, Keyset before, int limit, org.springframework.jdbc.core.RowMapper<T> mapper) {
        return jdbc.sql("select * from " + table + """

                 where user_id = :userId
                  and (cast(:beforeAt as timestamptz) is null
                       or (created_at, id) < (cast(:beforeAt as timestamptz), cast(:beforeId as bigint)))
                order by created_at desc, id desc
                limit :limit
                """).param("userId", userId)
                .param("beforeAt", before == null ? null : Db.ts(before.createdAt()))
                .param("beforeId", before == null ? null : before.id()).param("limit", limit)
                .query(mapper).list();
    }
}
