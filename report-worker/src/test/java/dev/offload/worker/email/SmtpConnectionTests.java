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
import static org.awaitility.Awaitility.await;

/**
 * With one connection allowed ({@code offload.worker.email.connections=1}; more are in
 * {@link EmailConnectionsTests}): the emails a poll finds due go over one SMTP
 * connection; one the server closed, between batches or in the middle of one, is opened
 * again and no email fails for it; and when it cannot be opened again, the emails the
 * server took before stay sent, never mailed twice. GreenMail sits behind a
 * {@link CountingRelay}, which counts the connections and, when told to, closes each
 * after a number of emails, as a mail server limiting messages per connection does, or
 * refuses new ones.
 */
class SmtpConnectionTests {

	private static RelayedWorker fixture;

	private static CountingRelay relay;

	private static DueEmails emails;

	@BeforeAll
	static void startWorker() throws Exception {
		// A poll every 2 s: the emails of a test are all due by the next one.
		fixture = RelayedWorker
			.start(Map.of("offload.worker.email.poll-interval", "2s", "offload.worker.email.retry.initial-interval",
					"200ms", "offload.worker.email.retry.max-interval", "1s", "offload.worker.email.connections", 1));
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
		fixture.quiet(Duration.ofSeconds(20));
	}

	@Test
	void thePollsEmailsGoOverOneConnection() throws Exception {
		List<UUID> reports = emails.due(25);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isOne();
		assertThat(emails.attempts(reports)).as("one attempt each").isEqualTo(25);
	}

	@Test
	void aConnectionTheServerClosedBetweenBatchesIsOpenedAgain() throws Exception {
		// The sender hands over 10 per transaction: the server closes the connection
		// after the first 10, and the next batch finds it closed.
		relay.reset(10, false);
		List<UUID> reports = emails.due(25);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isEqualTo(3);
		assertThat(emails.attempts(reports)).as("one attempt each: none failed on the closed connection").isEqualTo(25);
	}

	@Test
	void anEmailTheServerClosedTheConnectionBeforeIsSentAgainAtOnceOverANewOne() throws Exception {
		// 7 per connection: the server closes it in the middle of a batch.
		relay.reset(7, false);
		List<UUID> reports = emails.due(25);

		emails.assertMailedOnceEach(reports);
		assertThat(relay.connections()).isEqualTo(4);
		assertThat(emails.attempts(reports)).as("one attempt each: none failed").isEqualTo(25);
	}

	@Test
	void theEmailsTheServerTookStaySentWhenTheConnectionCannotBeOpenedAgain() throws Exception {
		// The server closes the connection after 5 emails and then refuses new ones: the
		// first 5 of the batch were taken, the other 5 wait for their retry.
		relay.reset(5, true);
		List<UUID> reports = emails.due(25);

		await().atMost(Duration.ofSeconds(20)).until(() -> emails.count(reports, "last_error IS NOT NULL") == 5);
		assertThat(emails.count(reports, "status = 'SENT'")).isEqualTo(5);
		assertThat(fixture.smtp().getReceivedMessages()).hasSize(5);
		relay.reset(0, false);

		emails.assertMailedOnceEach(reports);
	}

}
