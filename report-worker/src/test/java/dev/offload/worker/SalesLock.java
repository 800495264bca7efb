package dev.offload.worker;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.offload.testsupport.TestDatabase;

/**
 * Holds the sales data locked in a transaction of its own, so a report reading it waits
 * for as long as a test likes, and ends the database sessions waiting for it, as a
 * database failover or an administrator would: the reports see a real PostgreSQL error
 * ({@code 57P01 terminating connection due to administrator command}).
 */
public final class SalesLock implements AutoCloseable {

	private final Connection connection;

	private SalesLock(Connection connection) {
		this.connection = connection;
	}

	/**
	 * Locks {@code sales.order_lines} against every reader.
	 * @param database the test's database
	 * @return the held lock; close it to release
	 */
	public static SalesLock hold(TestDatabase database) {
		try {
			return new SalesLock(database.holdingLock("sales.order_lines", "ACCESS EXCLUSIVE"));
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not lock the sales data", ex);
		}
	}

	/**
	 * Ends every other session of the database that waits for a lock.
	 * @return how many sessions were ended
	 */
	public int terminateWaiting() {
		clearStatisticsSnapshot();
		try (Statement statement = this.connection.createStatement(); ResultSet result = statement.executeQuery("""
				SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				 WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
				""")) {
			result.next();
			return result.getInt(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not end the waiting sessions", ex);
		}
	}

	/**
	 * Whether another session of the database waits for a lock.
	 * @return {@code true} if one does
	 */
	public boolean anyWaiting() {
		clearStatisticsSnapshot();
		try (Statement statement = this.connection.createStatement(); ResultSet result = statement.executeQuery("""
				SELECT count(*) FROM pg_stat_activity
				 WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
				""")) {
			result.next();
			return result.getInt(1) > 0;
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not look for waiting sessions", ex);
		}
	}

	/**
	 * PostgreSQL keeps the statistics views as they were at their first read in a
	 * transaction, and this lock's transaction lasts the whole test: without this, a
	 * session that started waiting after the first look would never be seen.
	 */
	private void clearStatisticsSnapshot() {
		try (Statement statement = this.connection.createStatement()) {
			statement.execute("SELECT pg_stat_clear_snapshot()");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not refresh the statistics snapshot", ex);
		}
	}

	/**
	 * Releases the lock.
	 */
	@Override
	public void close() {
		try (this.connection) {
			this.connection.rollback();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not release the sales lock", ex);
		}
	}

}
