package dev.portal.platform;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseUrlTest {
    @Test
    void postgresqlUrlsAreSplitIntoJdbcAndCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://portal:s%40cret@db.internal:6543/portal?sslmode=require");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/portal?sslmode=require");
        assertThat(url.username()).isEqualTo("portal");
        assertThat(url.password()).isEqualTo("s@cret");
        assertThat(url.toString()).doesNotContain("s@cret");
    }

    @Test
    void jdbcUrlsAreTakenAsTheyAre() {
        assertThat(DatabaseUrl.parse("jdbc:postgresql://localhost/portal?user=a").jdbcUrl())
                .isEqualTo("jdbc:postgresql://localhost/portal?user=a");
        assertThat(DatabaseUrl.parse("postgres://h/db").jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
    }

    @Test
    void otherSchemesAreRefused() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://h/db")).isInstanceOf(IllegalArgumentException.class);
    }
}
