package dev.offload.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.AmqpRejectAndDontRequeueException;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.mail.MailException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * The one place that decides whether a failure is transient: something around the work
 * (PostgreSQL, RabbitMQ, the network) was unavailable, and the same work may well pass
 * later. Everything else (bad input, a bug) fails the same way each time, so retrying it
 * only wastes the delays.
 */
public final class TransientFailures {

	/**
	 * SQLSTATE classes and codes PostgreSQL uses for conditions that pass: connection
	 * exceptions (08), transaction rollbacks such as serialization failures and deadlocks
	 * (40), insufficient resources (53), lock not available (55P03), and the server
	 * shutting down or starting (57P01, 57P02, 57P03).
	 */
	private static final Set<String> TRANSIENT_SQL_STATE_CLASSES = Set.of("08", "40", "53");

	private static final Set<String> TRANSIENT_SQL_STATES = Set.of("55P03", "57P01", "57P02", "57P03");

	private TransientFailures() {
	}

	/**
	 * Whether a failure is transient, looking through its causes.
	 * @param failure the failure
	 * @return {@code true} if trying the same work again later may succeed
	 */
	public static boolean isTransient(Throwable failure) {
		Throwable current = failure;
		while (current != null) {
			// A message that cannot be converted, or one rejected on purpose, fails
			// again,
			// whatever caused it.
			if (current instanceof MessageConversionException || current instanceof AmqpRejectAndDontRequeueException) {
				return false;
			}
			if (isTransientItself(current)) {
				return true;
			}
			current = (current.getCause() != current) ? current.getCause() : null;
		}
		return false;
	}

	private static boolean isTransientItself(Throwable failure) {
		if (failure instanceof TransientDataAccessException || failure instanceof DataAccessResourceFailureException
				|| failure instanceof CannotGetJdbcConnectionException
				|| failure instanceof RecoverableDataAccessException || failure instanceof QueryTimeoutException
				|| failure instanceof CannotCreateTransactionException
				// A commit or rollback that failed: the connection went away
				// mid-transaction
				// (the rollback's failure hides the one that broke the connection).
				|| failure instanceof TransactionSystemException || failure instanceof AmqpException
				|| failure instanceof MailException || failure instanceof UncheckedIOException
				|| failure instanceof IOException || failure instanceof SQLTransientException
				|| failure instanceof SQLRecoverableException) {
			return true;
		}
		if (failure instanceof SQLException sql && sql.getSQLState() != null) {
			String state = sql.getSQLState();
			return TRANSIENT_SQL_STATES.contains(state)
					|| (state.length() >= 2 && TRANSIENT_SQL_STATE_CLASSES.contains(state.substring(0, 2)));
		}
		return false;
	}

}
