package dev.portal.platform;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SECURITY 23: X-Forwarded-For is believed only from configured trusted proxies. */
class ClientAddressTest {
    private static ClientAddress trusting(String... proxies) {
        return new ClientAddress(new PortalProperties(URI.create("http://127.0.0.1:8080"), Path.of("data"), "", 10,
                List.of(proxies), List.of(), "", new PortalProperties.Session(Duration.ofDays(7), Duration.ofDays(30)), null, ""));
    }

    private static MockHttpServletRequest from(String peer, String forwardedFor) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setRemoteAddr(peer);
        if (forwardedFor != null) {
            request.addHeader("X-Forwarded-For", forwardedFor);
        }
        return request;
    }

    @Test
    void anUntrustedPeerCannotClaimAnotherAddress() {
        assertThat(trusting().of(from("203.0.113.5", "1.2.3.4"))).isEqualTo("203.0.113.5");
        assertThat(trusting("10.0.0.1").of(from("203.0.113.5", "1.2.3.4"))).isEqualTo("203.0.113.5");
    }

    @Test
    void aTrustedProxyIsBelievedAndOnlyItsOwnHopsAreSkipped() {
        ClientAddress address = trusting("10.0.0.0/8", "192.168.1.1");

        assertThat(address.of(from("10.1.2.3", "198.51.100.7"))).isEqualTo("198.51.100.7");
        // The client prepended a forged hop; the rightmost untrusted hop is the one the proxy saw.
        assertThat(address.of(from("10.1.2.3", "6.6.6.6, 198.51.100.7, 192.168.1.1"))).isEqualTo("198.51.100.7");
        assertThat(address.of(from("10.1.2.3", null))).isEqualTo("10.1.2.3");
        assertThat(address.of(from("10.1.2.3", "not-an-ip"))).isEqualTo("10.1.2.3");
    }

    @Test
    void ipv6RangesWork() {
        assertThat(trusting("fd00::/8").of(from("fd12::1", "2001:db8::5"))).isEqualTo("2001:db8::5");
        assertThat(trusting("fd00::/8").of(from("2001:db8::9", "2001:db8::5"))).isEqualTo("2001:db8::9");
    }

    @Test
    void hostNamesAreNotAcceptedAsProxies() {
        assertThatThrownBy(() -> trusting("proxy.example")).isInstanceOf(IllegalArgumentException.class);
    }
}
