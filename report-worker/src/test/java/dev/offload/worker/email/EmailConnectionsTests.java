package dev.offload.worker.email;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code offload.worker.email.connections} above 1, a poll that finds more emails
 * due than one transaction takes sends them over several SMTP connections side by side,
 * and still mails each email once; a poll with a few due uses one. GreenMail sits behind
 * {@link CountingRelay}, which counts the connections.
 */
class EmailConnectionsTests {

	private static RelayedWorker fixture;

	private static CountingRelay relay;

	private static DueEmails emails;

	@BeforeAll
	static void startWorker() throws Exception {
		// A poll every 5 s: the emails of a test are all due by the next one, and sent
		// within it.
		fixture = RelayedWorker
			.start(Map.of("offload.worker.email.poll-interval", "5s", "offload.worker.email.connections", 4));
		relay = fixture.relay();
		emails = fixture.emails();
	}

	@AfterAll
	static void stopAll() throws Exception {
		if (fixture != null) {
			fixture.close();
		}
	}

	@BeforeEach
	void quiet() throws Exception {
		// Nothing due from an earlier test.
		fixture.quiet(Duration.ofSeconds(30));
	}

	@Test
	void manyDueEmailsGoOverSeveralConnectionsEachMailedOnce() throws Exception {
		List<UUID> reports = emails.due(400);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).as("connections opened").isBetween(2, 8);
		assertThat(emails.attempts(reports)).as("one attempt each").isEqualTo(400);
	}

	@Test
	void aFewDueEmailsGoOverOneConnection() throws Exception {
		List<UUID> reports = emails.due(5);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isOne();
		assertThat(emails.attempts(reports)).as("one attempt each").isEqualTo(5);
	}

}
