package dev.portal.platform;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.maxmind.db.CHMCache;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Where an IP address is, from a MaxMind City database ({@code PORTAL_GEOIP_DB}). Without one every
 * place is unknown. Only asked when a session is created, so it is off the hot path.
 */
@Component
public class GeoLocator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GeoLocator.class);

    /**
     * @param country ISO 3166-1 alpha-2 code, e.g. {@code GB}
     * @param region the most specific subdivision's English name, e.g. {@code England}
     * @param city the English city name, e.g. {@code London}
     */
    public record Place(String country, String region, String city) {
        public static final Place UNKNOWN = new Place(null, null, null);
    }

    /** Null when no database is configured. */
    private final DatabaseReader reader;

    @Autowired
    GeoLocator(PortalProperties properties) {
        this(properties.geoipDb());
    }

    GeoLocator(Path database) {
        this.reader = database == null || database.toString().isBlank() ? null : open(database);
    }

    /** A configured database that cannot be used stops Portal's start rather than silently recording nothing. */
    private static DatabaseReader open(Path database) {
        Path file = database.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalStateException("PORTAL_GEOIP_DB: no readable file at " + file);
        }
        DatabaseReader reader;
        try {
            reader = new DatabaseReader.Builder(file.toFile()).withCache(new CHMCache()).locales(List.of("en")).build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PORTAL_GEOIP_DB: " + file + " is not a MaxMind database (" + e.getMessage() + ")", e);
        }
        try {
            // A Country or ASN database opens fine but refuses city lookups: find out now, not at every sign-in.
            reader.tryCity(InetAddress.getByAddress(new byte[4]));
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            String type = reader.metadata().databaseType();
            closeQuietly(reader);
            throw new IllegalStateException("PORTAL_GEOIP_DB: " + file + " (" + type + ") cannot answer city lookups ("
                    + e.getMessage() + ")", e);
        }
        log.info("Session places from {} ({})", file, reader.metadata().databaseType());
        return reader;
    }

    /** The place of an IP literal; unknown for no database, a private or unparsable address, or any failure. */
    public Place locate(String ip) {
        if (reader == null || ip == null) {
            return Place.UNKNOWN;
        }
        // Literals only: a host name here must never cause a DNS query.
        InetAddress address = ClientAddress.parse(ip);
        if (address == null || isPrivate(address)) {
            return Place.UNKNOWN;
        }
        try {
            return reader.tryCity(address).map(GeoLocator::placeOf).orElse(Place.UNKNOWN);
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            // A place is nice to have; a sign-in must not fail for want of one.
            log.debug("No place for {}: {}", ip, e.toString());
            return Place.UNKNOWN;
        }
    }

    private static Place placeOf(CityResponse response) {
        String region = response.subdivisions().isEmpty() ? null : response.mostSpecificSubdivision().name();
        return new Place(response.country().isoCode(), region, response.city().name());
    }

    /** Addresses no public database can place: loopback, private, link-local, unique-local, shared (CGNAT), multicast. */
    static boolean isPrivate(InetAddress address) {
        byte[] b = address.getAddress();
        boolean uniqueLocal = address instanceof Inet6Address && (b[0] & 0xFE) == 0xFC;
        boolean sharedSpace = b.length == 4 && (b[0] & 0xFF) == 100 && (b[1] & 0xC0) == 64;
        return address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress() || uniqueLocal || sharedSpace;
    }

    @Override
    public void close() {
        if (reader != null) {
            closeQuietly(reader);
        }
    }

    private static void closeQuietly(DatabaseReader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            log.debug("Closing the GeoIP database: {}", e.toString());
        }
    }
}
