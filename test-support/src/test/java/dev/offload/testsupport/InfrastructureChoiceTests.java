package dev.offload.testsupport;

import java.io.IOException;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class InfrastructureChoiceTests {

	@Test
	void localServiceThatAnswersIsUsedEvenWhereDockerRuns() {
		assertThat(InfrastructureChoice.choose("RabbitMQ", true, () -> true)).isEqualTo(InfrastructureChoice.LOCAL);
		assertThat(InfrastructureChoice.choose("RabbitMQ", true, () -> false)).isEqualTo(InfrastructureChoice.LOCAL);
	}

	@Test
	void dockerIsNotLookedForWhenALocalServiceAnswers() {
		assertThat(InfrastructureChoice.choose("RabbitMQ", true, () -> {
			throw new AssertionError("looked for Docker");
		})).isEqualTo(InfrastructureChoice.LOCAL);
	}

	@Test
	void testcontainersIsUsedWhenNothingAnswersLocallyAndDockerRuns() {
		assertThat(InfrastructureChoice.choose("PostgreSQL", false, () -> true))
			.isEqualTo(InfrastructureChoice.TESTCONTAINERS);
	}

	@Test
	void neitherLocalServiceNorDockerIsAClearError() {
		assertThatIllegalStateException()
			.isThrownBy(() -> InfrastructureChoice.choose("PostgreSQL", false, () -> false))
			.withMessageContaining("No PostgreSQL for the tests")
			.withMessageContaining("Docker");
	}

	@Test
	void answersTellsAListeningPortFromAClosedOne() throws IOException {
		int closedPort;
		try (ServerSocket server = new ServerSocket(0)) {
			assertThat(Infrastructure.answers("127.0.0.1", server.getLocalPort())).isTrue();
			closedPort = server.getLocalPort();
		}
		assertThat(Infrastructure.answers("127.0.0.1", closedPort)).isFalse();
	}

}
