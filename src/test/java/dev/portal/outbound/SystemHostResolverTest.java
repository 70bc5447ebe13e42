package dev.portal.outbound;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TXT lookups a Bluesky handle's {@code _atproto} record needs, through the JDK's DNS provider, against a
 * small DNS server on the loopback address that answers as a real one does: records of one or several
 * strings, several records, and NXDOMAIN.
 */
class SystemHostResolverTest {
    /** name -> TXT records, each a list of its character-strings. */
    private final Map<String, List<List<String>>> records = new ConcurrentHashMap<>();
    private DatagramSocket socket;
    private Thread server;

    @BeforeEach
    void start() throws Exception {
        socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        server = new Thread(this::serve, "test-dns");
        server.setDaemon(true);
        server.start();
    }

    @AfterEach
    void stop() {
        socket.close();
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] answer = answer(query.getData(), query.getLength());
                socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
            } catch (Exception e) {
                return;
            }
        }
    }

    /** RFC 1035: the question copied back, then one TXT answer per record (or NXDOMAIN for an unknown name). */
    private byte[] answer(byte[] query, int length) {
        int end = 12;
        StringBuilder name = new StringBuilder();
        while (query[end] != 0) {
            int label = query[end];
            name.append(name.length() == 0 ? "" : ".").append(new String(query, end + 1, label, StandardCharsets.US_ASCII));
            end += label + 1;
        }
        end += 5; // the root label, QTYPE and QCLASS
        List<List<String>> found = records.get(name.toString().toLowerCase());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(query[0]);
        out.write(query[1]);
        out.write(0x81);
        out.write(found == null ? 0x83 : 0x80);
        out.writeBytes(new byte[] {0, 1, 0, (byte) (found == null ? 0 : found.size()), 0, 0, 0, 0});
        out.write(query, 12, end - 12);
        for (List<String> record : found == null ? List.<List<String>>of() : found) {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (String string : record) {
                byte[] bytes = string.getBytes(StandardCharsets.US_ASCII);
                data.write(bytes.length);
                data.writeBytes(bytes);
            }
            out.writeBytes(new byte[] {(byte) 0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, (byte) data.size()});
            out.writeBytes(data.toByteArray());
        }
        return out.toByteArray();
    }

    private SystemHostResolver resolver() {
        return new SystemHostResolver("dns://127.0.0.1:" + socket.getLocalPort());
    }

    @Test
    void aHandlesRecordIsRead() {
        records.put("_atproto.alice.example.com", List.of(List.of("did=did:plc:abcdefghijklmnopqrstuvwx")));

        assertThat(resolver().txt("_atproto.alice.example.com")).containsExactly("did=did:plc:abcdefghijklmnopqrstuvwx");
    }

    @Test
    void aRecordOfSeveralStringsIsOneValue() {
        records.put("_atproto.bob.example.com", List.of(List.of("did=did:plc:", "abcdefghijklmnopqrstuvwx")));

        assertThat(resolver().txt("_atproto.bob.example.com")).containsExactly("did=did:plc:abcdefghijklmnopqrstuvwx");
    }

    @Test
    void stringsWithSpacesInThemKeepTheirSpaces() {
        records.put("_atproto.dave.example.com", List.of(List.of("a b", "c")));

        assertThat(resolver().txt("_atproto.dave.example.com")).containsExactly("a bc");
    }

    @Test
    void severalRecordsAreSeveralValues() {
        records.put("_atproto.carol.example.com", List.of(List.of("did=did:plc:one"), List.of("v=spf1 -all")));

        assertThat(resolver().txt("_atproto.carol.example.com")).containsExactlyInAnyOrder("did=did:plc:one", "v=spf1 -all");
    }

    @Test
    void aNameThatDoesNotExistHasNoRecords() {
        assertThat(resolver().txt("_atproto.nobody.example.com")).isEmpty();
    }
}
