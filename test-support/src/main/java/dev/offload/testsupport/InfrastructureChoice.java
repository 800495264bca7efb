package dev.offload.testsupport;

import java.util.function.BooleanSupplier;

/**
 * Where a test gets a service (RabbitMQ or PostgreSQL) from.
 */
public enum InfrastructureChoice {

	/** A service already answering on this machine. */
	LOCAL,

	/** A container started by Testcontainers. */
	TESTCONTAINERS;

	/**
	 * Chooses where to get a service: a local one that answers wins, because it is
	 * already there and starts nothing; otherwise Testcontainers, where Docker runs.
	 * @param service the service's name, for the error message
	 * @param localAnswers whether the local service accepted a connection
	 * @param dockerAvailable whether a Docker engine answers; asked only when no local
	 * service answers, because looking for Docker is slow and logs errors where there is
	 * none
	 * @return the choice
	 * @throws IllegalStateException if there is neither
	 */
	public static InfrastructureChoice choose(String service, boolean localAnswers, BooleanSupplier dockerAvailable) {
		if (localAnswers) {
			return LOCAL;
		}
		if (dockerAvailable.getAsBoolean()) {
			return TESTCONTAINERS;
		}
		throw new IllegalStateException("No " + service
				+ " for the tests: nothing answers on its local port and no Docker engine runs for Testcontainers. "
				+ "Start the local service (bash .ci/run does) or a Docker engine.");
	}

}
