package dev.portal.support;

/** The JVM's one shared test database, for tests that check what Portal was pointed at. */
public final class TestDatabase {
    private TestDatabase() {
    }

    public static String jdbcUrl() {
        return TestInfrastructure.POSTGRES.getJdbcUrl("postgres", "postgres");
    }
}
