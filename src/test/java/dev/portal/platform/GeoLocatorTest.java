package dev.portal.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.portal.platform.GeoLocator.Place;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The GeoIP lookup on its own, against a copy of MaxMind's test database (src/test/resources/geoip). */
class GeoLocatorTest {
    private static final Path TEST_DB = Path.of("src/test/resources/geoip/GeoIP2-City-Test.mmdb");
    private static GeoLocator locator;

    @BeforeAll
    static void open() {
        locator = new GeoLocator(TEST_DB);
    }

    @AfterAll
    static void close() {
        locator.close();
    }

    @Test
    void aKnownAddressHasItsCountryCodeMostSpecificRegionAndCity() {
        assertThat(locator.locate("81.2.69.142")).isEqualTo(new Place("GB", "England", "London"));
        assertThat(locator.locate("2.125.160.216")).isEqualTo(new Place("GB", "West Berkshire", "Boxford"));
        assertThat(locator.locate("::ffff:81.2.69.142")).isEqualTo(new Place("GB", "England", "London"));
    }

    @Test
    void whatTheDatabaseDoesNotKnowStaysNull() {
        assertThat(locator.locate("2001:218::1")).isEqualTo(new Place("JP", null, null));
    }

    @Test
    void privateUnknownAndUnparsableAddressesHaveNoPlace() {
        for (String ip : new String[] {"127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "169.254.1.1", "100.64.0.1",
                "::1", "fd00::1", "fe80::1", "0.0.0.0", "8.8.8.8", "not an address", "example.com", "", "1.2.3.4.5"}) {
            assertThat(locator.locate(ip)).as(ip).isEqualTo(Place.UNKNOWN);
        }
        assertThat(locator.locate(null)).isEqualTo(Place.UNKNOWN);
    }

    @Test
    void withoutADatabaseEveryPlaceIsUnknown() {
        assertThat(new GeoLocator((Path) null).locate("81.2.69.142")).isEqualTo(Place.UNKNOWN);
        assertThat(new GeoLocator(Path.of("")).locate("81.2.69.142")).isEqualTo(Place.UNKNOWN);
    }

    @Test
    void anEmptySettingTurnsTheLookupOff() {
        PortalProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("portal.geoip-db", "")))
                .bindOrCreate("portal", PortalProperties.class);

        assertThat(new GeoLocator(properties).locate("81.2.69.142")).isEqualTo(Place.UNKNOWN);
    }

    @Test
    void aMissingDatabaseFileStopsTheStartNamingTheSetting(@TempDir Path dir) {
        Path missing = dir.resolve("GeoLite2-City.mmdb");

        assertThatThrownBy(() -> new GeoLocator(missing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PORTAL_GEOIP_DB").hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> new GeoLocator(dir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PORTAL_GEOIP_DB");
    }

    @Test
    void aFileThatIsNotAMaxMindDatabaseStopsTheStart(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("city.mmdb"), "not a database");

        assertThatThrownBy(() -> new GeoLocator(junk)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PORTAL_GEOIP_DB").hasMessageContaining(junk.toString());
    }
}
