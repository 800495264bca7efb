package dev.offload.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A PostgreSQL database of its own for one test class or run, created on the tests'
 * server and dropped on {@link #close()}, so runs never see each other's rows.
 */
public final class TestDatabase implements AutoCloseable {

	private final Endpoint server;

	private final String name;

	private TestDatabase(Endpoint server, String name) {
		this.server = server;
		this.name = name;
	}

	/**
	 * Creates a new, empty database with a unique name.
	 * @return the database
	 */
	public static TestDatabase create() {
		Endpoint server = Infrastructure.postgres();
		String name = "offload_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		execute(server, "postgres", "CREATE DATABASE " + name);
		return new TestDatabase(server, name);
	}

	/**
	 * The database's name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The JDBC URL of the database.
	 * @return the URL
	 */
	public String jdbcUrl() {
		return jdbcUrl(this.server, this.name);
	}

	/**
	 * The user name to connect with.
	 * @return the user name
	 */
	public String username() {
		return this.server.username();
	}

	/**
	 * The password to connect with.
	 * @return the password
	 */
	public String password() {
		return this.server.password();
	}

	/**
	 * Opens a new connection to the database.
	 * @return the connection
	 * @throws SQLException if it cannot connect
	 */
	public Connection connect() throws SQLException {
		return DriverManager.getConnection(jdbcUrl(), this.server.username(), this.server.password());
	}

	/**
	 * Opens a connection of its own that holds a table locked until its transaction ends
	 * (it is closed, or commits): what a test uses to hold a service's statements.
	 * @param table the table, schema-qualified where needed
	 * @param mode the lock mode, such as {@code SHARE ROW EXCLUSIVE}
	 * @return the connection holding the lock
	 * @throws SQLException if it cannot connect or lock
	 */
	public Connection holdingLock(String table, String mode) throws SQLException {
		Connection connection = connect();
		try (Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			statement.execute("LOCK TABLE " + table + " IN " + mode + " MODE");
		}
		catch (SQLException ex) {
			try (connection) {
				throw ex;
			}
		}
		return connection;
	}

	/**
	 * Spring Boot properties that point a service at this database.
	 * @return the properties
	 */
	public Map<String, Object> springProperties() {
		Map<String, Object> properties = new HashMap<>();
		properties.put("spring.datasource.url", jdbcUrl());
		properties.put("spring.datasource.username", username());
		properties.put("spring.datasource.password", password());
		return properties;
	}

	@Override
	public void close() {
		execute(this.server, "postgres", "DROP DATABASE IF EXISTS " + this.name + " WITH (FORCE)");
	}

	private static String jdbcUrl(Endpoint server, String database) {
		return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database;
	}

	private static void execute(Endpoint server, String database, String sql) {
		try (Connection connection = DriverManager.getConnection(jdbcUrl(server, database), server.username(),
				server.password()); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run '" + sql + "' on " + server.host() + ":" + server.port(),
					ex);
		}
	}

}
