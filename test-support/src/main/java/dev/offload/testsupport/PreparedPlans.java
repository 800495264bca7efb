package dev.offload.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.postgresql.PGConnection;

/**
 * How often PostgreSQL used the generic plan of a statement prepared on one connection,
 * and how often it planned a run for its parameters ({@code pg_prepared_statements}): for
 * tests that check a hot statement is planned once per connection, not on every run.
 *
 * @param generic runs with the generic plan
 * @param custom runs planned for their parameters
 */
public record PreparedPlans(long generic, long custom) {

	/**
	 * Has a connection prepare its statements on the server from their first run, so
	 * PostgreSQL's plans for them can be counted ({@link #of}).
	 * @param connection the connection
	 * @return the same connection
	 * @throws SQLException if it is not PostgreSQL's
	 */
	public static Connection preparingFromTheFirstRun(Connection connection) throws SQLException {
		connection.unwrap(PGConnection.class).setPrepareThreshold(1);
		return connection;
	}

	/**
	 * How PostgreSQL planned the runs of a statement prepared on a connection.
	 * @param connection the connection that ran it
	 * @param fragment text the statement contains
	 * @return its plans, or empty if no statement prepared on the connection contains it
	 * @throws SQLException if they could not be read
	 */
	public static Optional<PreparedPlans> of(Connection connection, String fragment) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("""
				SELECT generic_plans, custom_plans FROM pg_prepared_statements
				WHERE strpos(statement, ?) > 0 AND strpos(statement, 'pg_prepared_statements') = 0""")) {
			statement.setString(1, fragment);
			try (ResultSet plans = statement.executeQuery()) {
				return plans.next()
						? Optional.of(new PreparedPlans(plans.getLong("generic_plans"), plans.getLong("custom_plans")))
						: Optional.empty();
			}
		}
	}

}
