package dev.portal.platform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.portal.PortalApplication;
import dev.portal.support.FaultFigures;
import dev.portal.support.Nodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SECURITY 26: Portal killed with {@code kill -9} twenty times during writes and restarted on the same embedded
 * database keeps every acknowledged write, and every multi-field update is all or nothing.
 *
 * <p>Each round starts Portal as a JVM of its own on one data directory and port, writes through HTTP from three
 * threads (personal access tokens, each a token row and its audit event in one transaction; and renames of the
 * Owner that set username, displayName, bio and maxMessageLength to the same sequence number, the user row and a
 * {@code username_changed} audit event in one transaction), and SIGKILLs it 0.5-2 s in. Odd rounds kill the JVM
 * alone, which leaves its PostgreSQL running for the next Portal to stop; even rounds kill the JVM and its
 * PostgreSQL together, as a container stop or systemd's default {@code KillMode=control-group} does, so the next
 * start goes through PostgreSQL's crash recovery. A last Portal, started gracefully and stopped the same way, then
 * checks the database itself.
 */
@Tag("own-database")
class KilledDuringWritesTest {
    private static final String TEST = "KilledDuringWritesTest";
    private static final String TOKEN = "kill9-test-token-0123456789abcdef0123456789";
    private static final int ROUNDS = 20;
    private static final int TOKEN_WRITERS = 2;

    @TempDir
    Path dir;

    private final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** A token whose creation was answered 201. */
    record AckedToken(long id, String name, String value) {
    }

    /** What the writers saw across all rounds. */
    private final ConcurrentLinkedQueue<AckedToken> ackedTokens = new ConcurrentLinkedQueue<>();
    private final AtomicLong tokenAttempts = new AtomicLong();
    private final AtomicLong seq = new AtomicLong();
    private volatile long lastAckedRename;
    private volatile long lastSentRename;
    private final AtomicLong renamesAcked = new AtomicLong();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

    @Test
    void everyAcknowledgedWriteSurvivesTwentyKillsAndNoMultiFieldUpdateIsTorn() throws Exception {
        Path dataDir = dir.resolve("data");
        Path log = dir.resolve("portal.log");
        int port = Nodes.freePort();
        List<Long> restartMillis = new ArrayList<>();
        int tornSeen = 0;
        long started = System.nanoTime();
        Process child = null;
        long warmUpMillis;
        ProcessHandle orphan = null;
        int orphansStopped = 0;
        try {
            // Round 0, not a kill: creates the database and the Owner, and leaves a class-data archive behind
            // (dumped at a graceful exit) that makes each of the twenty starts after it quicker.
            classPath = jarredClassPath();
            long w0 = System.nanoTime();
            child = startChild(port, dataDir, log, "-XX:ArchiveClassesAtExit=" + archive());
            awaitReady(port, child, log, 0);
            child.destroy();
            assertThat(child.waitFor(90, TimeUnit.SECONDS)).as("the first Portal stopped%s", tail(log)).isTrue();
            warmUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w0);
            for (int round = 1; round <= ROUNDS; round++) {
                boolean withPostgres = round % 2 == 0;
                Files.writeString(log, "%n==== round %d (kill %s) ====%n".formatted(round,
                        withPostgres ? "JVM and PostgreSQL" : "JVM"), StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                long t0 = System.nanoTime();
                child = startChild(port, dataDir, log, sharedArchive());
                awaitReady(port, child, log, round);
                restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                if (orphan != null) {
                    assertThat(orphan.isAlive()).as("round %d: the PostgreSQL left running was stopped%s", round,
                            tail(log)).isFalse();
                    orphansStopped++;
                    orphan = null;
                }

                // Before writing: what the previous rounds left is whole, and no acknowledged rename went missing.
                tornSeen += checkUser(port, log, round);

                AtomicBoolean over = new AtomicBoolean();
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < TOKEN_WRITERS; w++) {
                    String prefix = "kill-" + round + "-" + w + "-";
                    writers.add(start("tokens-" + w, () -> writeTokens(port, prefix, over)));
                }
                writers.add(start("renames", () -> writeRenames(port, over)));

                Thread.sleep(ThreadLocalRandom.current().nextLong(500, 2_001));
                // pg_ctl starts PostgreSQL detached from the JVM: its postmaster is found through postmaster.pid.
                List<ProcessHandle> postgres = withPostgres ? postgresProcesses(dataDir.resolve("postgres")) : List.of();
                child.destroyForcibly(); // SIGKILL
                postgres.forEach(ProcessHandle::destroyForcibly);
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the killed JVM exited").isTrue();
                for (ProcessHandle p : postgres) {
                    p.onExit().get(30, TimeUnit.SECONDS);
                }
                over.set(true);
                for (Thread writer : writers) {
                    writer.join(15_000);
                }
                if (!withPostgres) {
                    // What a killed JVM leaves behind: its PostgreSQL, which the next start must stop.
                    orphan = postgresProcesses(dataDir.resolve("postgres")).get(0);
                    assertThat(orphan.isAlive()).as("round %d: PostgreSQL outlives the killed JVM", round).isTrue();
                }
                assertThat(unexpected).as("answers other than 2xx while Portal ran%s", tail(log)).isEmpty();
            }

            // The last start, stopped gracefully (SIGTERM) after the database itself has been asked.
            Files.writeString(log, "%n==== the last start ====%n".formatted(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            long t0 = System.nanoTime();
            child = startChild(port, dataDir, log, sharedArchive());
            awaitReady(port, child, log, ROUNDS + 1);
            long finalStartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (orphan != null) {
                assertThat(orphan.isAlive()).as("the PostgreSQL left running was stopped%s", tail(log)).isFalse();
                orphansStopped++;
            }
            tornSeen += checkUser(port, log, ROUNDS + 1);
            String pgPort = Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(3).trim();
            try (SingleConnectionDataSource db = new SingleConnectionDataSource(
                    "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "", true)) {
                JdbcClient jdbc = JdbcClient.create(db);
                // What makes an answered write durable when PostgreSQL dies too (the library's defaults turn both off).
                assertThat(jdbc.sql("show fsync").query(String.class).single()).isEqualTo("on");
                assertThat(jdbc.sql("show synchronous_commit").query(String.class).single()).isEqualTo("on");
                long owner = jdbc.sql("select user_id from api_tokens where name = 'bootstrap'").query(Long.class).single();

                // Every acknowledged token is there, with its value, unrevoked.
                Map<Long, String> names = new HashMap<>();
                Map<Long, byte[]> hashes = new HashMap<>();
                jdbc.sql("select id, name, token_hash from api_tokens where user_id = :owner and name like 'kill-%' "
                        + "and revoked_at is null").param("owner", owner).query(rs -> {
                            names.put(rs.getLong("id"), rs.getString("name"));
                            hashes.put(rs.getLong("id"), rs.getBytes("token_hash"));
                        });
                List<AckedToken> missing = ackedTokens.stream().filter(t -> !t.name().equals(names.get(t.id()))
                        || !Arrays.equals(sha256(t.value()), hashes.get(t.id()))).toList();

                // All or nothing: each token row has its token_created event, and each event its row.
                Set<Long> audited = new HashSet<>(jdbc.sql("select (details->>'token_id')::bigint from audit_events "
                        + "where action = 'token_created' and actor_id = :owner and details->>'name' like 'kill-%'")
                        .param("owner", owner).query(Long.class).list());
                Set<Long> tokenWithoutEvent = new HashSet<>(names.keySet());
                tokenWithoutEvent.removeAll(audited);
                Set<Long> eventWithoutToken = new HashSet<>(audited);
                eventWithoutToken.removeAll(names.keySet());

                // Renames: the events chain from "owner" through every committed rename to the user row's name,
                // each acknowledged one among them; a row changed without its event (or the reverse) breaks the chain.
                List<String[]> renames = jdbc.sql("select details->>'from', details->>'to' from audit_events "
                        + "where action = 'username_changed' and target_id = :owner order by id").param("owner", owner)
                        .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)}).list();
                String username = jdbc.sql("select username from users where id = :id").param("id", owner)
                        .query(String.class).single();
                int brokenLinks = 0;
                String previous = "owner";
                Set<String> renamedTo = new HashSet<>();
                for (String[] rename : renames) {
                    if (!rename[0].equals(previous)) {
                        brokenLinks++;
                    }
                    previous = rename[1];
                    renamedTo.add(rename[1]);
                }
                if (!previous.equals(username)) {
                    brokenLinks++;
                }
                tornSeen += brokenLinks;
                long renamesMissing = ackedRenames.stream().filter(s -> !renamedTo.contains("n-" + s)).count();

                long totalSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
                restartMillis.sort(null);
                FaultFigures.report(TEST, ("kills %d (%d of the JVM alone, each leaving its PostgreSQL running, %d "
                        + "stopped by the next start; %d of the JVM and PostgreSQL); token creations acknowledged %d "
                        + "of %d sent, found %d (%d acknowledged missing; %d committed unanswered); multi-field "
                        + "renames acknowledged %d, found %d (%d acknowledged missing), last acknowledged n-%d, "
                        + "stored %s; torn multi-field updates found %d (token rows without event %d, events without "
                        + "row %d, broken rename links %d); restart to ready ms min %d median %d max %d, last %d "
                        + "(first start, creating the database, %d); %d s in all").formatted(ROUNDS,
                        ROUNDS - ROUNDS / 2, orphansStopped, ROUNDS / 2,
                        ackedTokens.size(), tokenAttempts.get(), names.size(), missing.size(),
                        names.size() - (ackedTokens.size() - missing.size()), renamesAcked.get(), renames.size(),
                        renamesMissing, lastAckedRename, username, tornSeen, tokenWithoutEvent.size(),
                        eventWithoutToken.size(), brokenLinks, restartMillis.get(0),
                        restartMillis.get(restartMillis.size() / 2), restartMillis.get(restartMillis.size() - 1),
                        finalStartMillis, warmUpMillis, totalSeconds));

                assertThat(ackedTokens).as("tokens were created").isNotEmpty();
                assertThat(renamesAcked.get()).as("renames were made").isPositive();
                assertThat(missing).as("acknowledged tokens missing").isEmpty();
                assertThat(renamesMissing).as("acknowledged renames missing").isZero();
                assertThat(tokenWithoutEvent).as("token rows without their audit event").isEmpty();
                assertThat(eventWithoutToken).as("token_created events without their row").isEmpty();
                assertThat(brokenLinks).as("renames whose row and event did not commit together: %s -> %s",
                        renames.size(), username).isZero();
                assertThat(tornSeen).as("torn multi-field updates").isZero();
                assertThat(orphansStopped).as("PostgreSQLs left running by a killed JVM, stopped")
                        .isEqualTo(ROUNDS - ROUNDS / 2);
            }
            child.destroy(); // SIGTERM: Portal shuts down, and its PostgreSQL with it
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the last Portal stopped%s", tail(log)).isTrue();
            child = null;
            assertThat(dataDir.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped with the last Portal%s",
                    tail(log)).doesNotExist();
        } finally {
            if (child != null) {
                child.descendants().forEach(ProcessHandle::destroyForcibly);
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
            stopPostgres(dataDir.resolve("postgres"));
        }
    }

    private final ConcurrentLinkedQueue<Long> ackedRenames = new ConcurrentLinkedQueue<>();

    private String classPath;

    private Path archive() {
        return dir.resolve("portal.jsa");
    }

    /** The archive the first Portal dumped, if it did (a JVM that cannot use it starts without). */
    private String sharedArchive() {
        return Files.isRegularFile(archive()) ? "-XX:SharedArchiveFile=" + archive() : "-Xshare:auto";
    }

    /** The test's class path with each directory (target/classes, ...) made a jar: CDS archives only classes from jars. */
    private String jarredClassPath() throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!Files.isDirectory(path)) {
                entries.add(entry);
                continue;
            }
            Path jar = dir.resolve("classes-" + n++ + ".jar");
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                    var files = Files.walk(path)) {
                // Directories too: Spring's class path scanning walks a jar's directory entries.
                for (Path file : (Iterable<Path>) files.filter(f -> !f.equals(path))::iterator) {
                    String name = path.relativize(file).toString().replace('\\', '/');
                    boolean isDir = Files.isDirectory(file);
                    out.putNextEntry(new java.util.jar.JarEntry(isDir ? name + "/" : name));
                    if (!isDir) {
                        Files.copy(file, out);
                    }
                    out.closeEntry();
                }
            }
            entries.add(jar.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private Process startChild(int port, Path dataDir, Path log, String cds) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", cds, "-XX:+UseSerialGC",
                "-Xmx384m", "-cp", classPath, PortalApplication.class.getName(),
                "--server.port=" + port, "--portal.data-dir=" + dataDir, "--portal.database-url=",
                "--portal.bootstrap-token=" + TOKEN)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private void awaitReady(int port, Process child, Path log, int round) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertThat(child.isAlive()).as("Portal exited before it was ready in round %d%s", round, tail(log)).isTrue();
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + port + "/actuator/health/readiness")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Portal was not ready within 90 s in round " + round + tail(log));
    }

    /** Reads the Owner through /api/user: all four fields carry one sequence number, no older than the last acknowledged. */
    private int checkUser(int port, Path log, int round) throws Exception {
        HttpResponse<String> response = http.send(request(port, "/api/user").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET /api/user in round %d: %s%s", round, response.body(), tail(log))
                .isEqualTo(200);
        JsonNode user = json.readTree(response.body());
        HttpResponse<String> settings = http.send(request(port, "/api/user/settings").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(settings.statusCode()).as(settings.body()).isEqualTo(200);
        long maxLength = json.readTree(settings.body()).get("maxMessageLength").asLong();
        String username = user.get("username").asString();
        if (lastSentRename == 0) {
            assertThat(username).isEqualTo("owner");
            return 0;
        }
        long stored = Long.parseLong(username.substring(2));
        boolean whole = ("n-" + stored).equals(user.get("displayName").asString())
                && ("n-" + stored).equals(user.get("bio").asString()) && maxLength == maxLength(stored);
        assertThat(stored).as("round %d: the stored rename is at least the last acknowledged and at most the last sent",
                round).isBetween(lastAckedRename, lastSentRename);
        assertThat(whole).as("round %d: a torn update: %s, maxMessageLength %d", round, response.body(), maxLength)
                .isTrue();
        return whole ? 0 : 1;
    }

    private static long maxLength(long seq) {
        return 1 + seq % 10_000;
    }

    private HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10));
    }

    private void writeTokens(int port, String prefix, AtomicBoolean over) {
        for (int n = 0; !over.get(); n++) {
            String name = prefix + n;
            tokenAttempts.incrementAndGet();
            try {
                HttpResponse<String> response = http.send(request(port, "/v1/users/me/tokens")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 201) {
                    JsonNode body = json.readTree(response.body());
                    ackedTokens.add(new AckedToken(body.get("id").asLong(), body.get("name").asString(),
                            body.get("token").asString()));
                } else {
                    unexpected.add("POST tokens " + response.statusCode() + " " + response.body());
                }
            } catch (java.net.ConnectException down) {
                tokenAttempts.decrementAndGet(); // never sent: Portal was down
                pause();
            } catch (IOException | RuntimeException killed) {
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void writeRenames(int port, AtomicBoolean over) {
        while (!over.get()) {
            long s = seq.incrementAndGet();
            String v = "n-" + s;
            lastSentRename = s;
            try {
                HttpResponse<String> response = http.send(request(port, "/api/user/update")
                        .header("Content-Type", "application/json")
                        .method("PATCH", HttpRequest.BodyPublishers.ofString(("{\"username\":\"%s\",\"displayName\":\"%s\","
                                + "\"bio\":\"%s\",\"maxMessageLength\":%d}").formatted(v, v, v, maxLength(s)))).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    lastAckedRename = s;
                    renamesAcked.incrementAndGet();
                    ackedRenames.add(s);
                } else {
                    unexpected.add("PATCH /api/user/update " + response.statusCode() + " " + response.body());
                }
            } catch (IOException | RuntimeException killed) {
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last lines of the children's log, for an assertion's message. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "\n--- last lines of " + log + " ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return " (no log: " + e + ")";
        }
    }

    /** The postmaster running on the data directory and every process it started. */
    private static List<ProcessHandle> postgresProcesses(Path pgDir) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(List.of(postmaster));
        all.addAll(postmaster.descendants().toList());
        return all;
    }

    /** A PostgreSQL still running on the data directory (a failure mid-round): stopped, as DatabaseConfig would. */
    private static void stopPostgres(Path pgDir) throws Exception {
        Path pidFile = pgDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        Optional<ProcessHandle> postgres = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (postgres.isPresent()) {
            postgres.get().destroy();
            postgres.get().onExit().completeOnTimeout(postgres.get(), 30, TimeUnit.SECONDS).get();
            if (postgres.get().isAlive()) {
                postgres.get().destroyForcibly();
            }
        }
    }
}
