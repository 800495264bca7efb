package dev.offload.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import dev.offload.model.ReportTransition;
import dev.offload.testsupport.TestDatabase;

/**
 * Figure 2: NO_OP reports processed end to end by one worker (claim, status updates,
 * events with confirms, ack) from a full queue, beside PerfTest consuming a full queue
 * with the same prefetch and number of consumers, persistent messages of the task's size,
 * manual acks.
 */
final class DispatchPath {

	/**
	 * Prefetch and consumers: the target's setting first. Its prefetch is within what the
	 * worker allows with the figure's report timeout ({@value #REPORT_TIMEOUT_SECONDS} s)
	 * and its publisher confirm timeout (10 s) under the broker's consumer timeout (30
	 * min), and what a worker for a backlog of short reports would be set to: with
	 * prefetch 10 it built 0.77 and 0.68 as many NO_OP reports per second as with 40, in
	 * two runs.
	 */
	private static final int[][] SETTINGS = { { 40, 4 }, { 10, 4 }, { 1, 4 } };

	/** The target's prefetch. */
	private static final int PREFETCH = SETTINGS[0][0];

	/** The target's setting, as its rows name it. */
	private static final String TARGETED = "prefetch %d, %d consumers".formatted(PREFETCH, SETTINGS[0][1]);

	/**
	 * The workers' report timeout: prefetch × (report timeout + 2 × confirm timeout) must
	 * stay under the broker's consumer_timeout, and a NO_OP report takes milliseconds.
	 */
	private static final int REPORT_TIMEOUT_SECONDS = 20;

	/** The emails the worker's sender sends in one transaction, at most. */
	private static final int SENDER_BATCH = 10;

	/** The SMTP connections figure 2's workers send over (the worker's default). */
	private static final int EMAIL_CONNECTIONS = 4;

	/**
	 * The least backlog a 5 s warm-up window starts on: enough for 6,000 reports/s, more
	 * than twice the fastest worker measured here.
	 */
	private static final int WARM_BACKLOG = 30000;

	/** The backlog the count starts on: enough for its 15 s at 4,500 reports/s. */
	private static final int COUNT_BACKLOG = 70000;

	/**
	 * The most tasks published in one pause of the worker (a few seconds of the relay's
	 * publishing): its publisher confirm timeout (10 s) runs on while it is paused, and a
	 * confirm it waited for when paused must not time out before it is read.
	 */
	private static final int PAUSED_TOP_UP = 20000;

	private DispatchPath() {
	}

	static void run(Bench bench, int taskSize) {
		int seconds = bench.quick ? 5 : 15;
		int warmBacklog = bench.quick ? 15000 : WARM_BACKLOG;
		int countBacklog = bench.quick ? 25000 : COUNT_BACKLOG;
		int warmMin = bench.quick ? 8 : 20;
		int warmMax = bench.quick ? 8 : 180;
		List<Integer> warmups = new ArrayList<>();
		List<String> mailing = new ArrayList<>();
		Pauses pauses = new Pauses();
		PerfTestRuns perfTestRuns = perfTest(bench, taskSize, seconds);
		List<Double> perfTest = perfTestRuns.rates();

		List<Double> offload = new ArrayList<>();
		List<String> categories = new ArrayList<>();
		double cpuPerReport = Double.NaN;
		double machinePerReport = Double.NaN;
		double rabbitPerReport = Double.NaN;
		double postgresPerReport = Double.NaN;
		double sinkPerReport = Double.NaN;
		MailFloor.Sample sample = null;
		double apiPerReport = Double.NaN;
		double recordingPerReport = Double.NaN;
		double smtpPerReport = Double.NaN;
		for (int[] setting : SETTINGS) {
			int prefetch = setting[0];
			int consumers = setting[1];
			categories.add("prefetch " + prefetch + ", " + consumers + (consumers == 1 ? " consumer" : " consumers"));
			// A backlog that outlasts the measurement, published by api-service's relay.
			topUp(bench, bench.quick ? warmBacklog : 50000);
			JavaProcess worker = bench.startWorker("worker-dispatch-p" + prefetch + "-c" + consumers, List.of(),
					Map.of("offload.worker.prefetch", prefetch, "offload.worker.concurrency", consumers,
							"offload.worker.report-timeout", REPORT_TIMEOUT_SECONDS + "s",
							"offload.worker.email.connections", EMAIL_CONNECTIONS));
			// Not counted: the fresh JVM compiling its hot code (on 2 busy cores the
			// compilers still took a third of the worker's CPU after 20 s), on a backlog
			// topped up before each 5 s window that could empty it: a worker that ran out
			// would idle, and an idle JVM compiles little, so it would look warm.
			warmups.add(Profile.warmUp(worker, warmMin, warmMax, () -> keepQueued(bench, worker, warmBacklog, pauses)));
			// Topped up again before the count, the worker paused: one that runs out in
			// the counted seconds, or that waits on the relay's publishing meanwhile,
			// understates the rate.
			keepQueued(bench, worker, countBacklog, pauses);
			// The target's setting, the first, is profiled and checked against the
			// target.
			boolean targeted = offload.isEmpty();
			// PostgreSQL's CPU per report is the largest gap to the floor below: where
			// its backends' CPU goes, by step.
			DatabaseProfile databaseProfile = targeted ? DatabaseProfile.start(bench,
					"dispatch-p" + prefetch + "-postgres", Bench.WORKER_APPLICATION, seconds) : null;
			// The profile's CPU and the database's statistics run from here to their
			// summaries, a few seconds longer than the counted window (the profiler's
			// start, the counts): per report done meanwhile, as figures 1 and 6 count.
			long profiledBuilt = targeted ? succeeded(bench) : 0;
			long profiledMailed = targeted ? mailed(bench) : 0;
			DatabaseActivity databaseBefore = targeted ? DatabaseActivity.now(bench.database) : null;
			Profile profile = targeted
					? Profile.start(bench, "dispatch-p" + prefetch, worker, seconds).steps(WORKER_STEPS) : null;
			long before = succeeded(bench);
			long mailedBefore = mailed(bench);
			double sinkBefore = bench.mail().cpuSeconds();
			double apiBefore = Profile.cpuSeconds(bench.api());
			long start = System.nanoTime();
			Pause.millis(seconds * 1000L);
			long end = System.nanoTime();
			long built = succeeded(bench) - before;
			long mailedCount = mailed(bench) - mailedBefore;
			// A report is processed once it is SUCCEEDED and its email sent: whichever
			// of the two kept the slower pace is the rate the worker can keep up.
			long done = Math.min(built, mailedCount);
			double sinkUsed = bench.mail().cpuSeconds() - sinkBefore;
			double apiUsed = Profile.cpuSeconds(bench.api()) - apiBefore;
			double elapsed = (System.nanoTime() - start) / 1e9;
			double rate = done / elapsed;
			long left = bench.queuedReports();
			if (targeted) {
				long profiledDone = Math.min(succeeded(bench) - profiledBuilt, mailed(bench) - profiledMailed);
				bench.notes.put("Figure 2 profile (report-worker, " + TARGETED + ")", profile.summary(profiledDone));
				bench.notes.put("Figure 2 database",
						DatabaseActivity.now(bench.database).perReport(databaseBefore, profiledDone));
				// perf's samples are counted over the window itself: its reports, at the
				// counted rate.
				bench.notes.put("Figure 2 PostgreSQL profile (the worker's backends, " + TARGETED + ")",
						databaseProfile.summary(Math.round(rate * (end - start) / 1e9), start, end));
				cpuPerReport = profile.serviceMillisPerOperation();
				machinePerReport = profile.machineMillisPerOperation();
				rabbitPerReport = profile.rabbitMillisPerOperation();
				postgresPerReport = profile.postgresMillisPerOperation();
				// The SMTP sink's process meanwhile, taking the worker's emails.
				sinkPerReport = sinkUsed * 1000 / Math.max(1, done);
				// One of them, for the email floor.
				sample = lastMailed(bench);
				// api-service meanwhile: its relay idle (the backlog was topped up before
				// the count), and it takes no events: no live status stream is open, so
				// its live status queue is unbound (and the suite's owners have no
				// webhook endpoint).
				apiPerReport = apiUsed * 1000 / Math.max(1, done);
				recordingPerReport = profile.stepMillis(CLAIM_STEP) + profile.stepMillis(FILE_STEP)
						+ profile.stepMillis(SUCCEEDED_STEP);
				smtpPerReport = profile.stepMillis(SMTP_STEP);
				bench.bottlenecks.put("Figure 2", profile.bottleneck("report-worker", "NO_OP report")
						+ ". With prefetch " + PREFETCH
						+ " the tasks a consumer holds reach the pipeline together: the NO_OP "
						+ "reports among them are claimed in one statement and recorded (each file a large object "
						+ "created with its bytes, and SUCCEEDED with it, and their emails in the outbox) in one "
						+ "transaction, their events' confirms awaited together; each report still publishes its "
						+ "SUCCEEDED event (its RUNNING event is held back while the run stays quick; its owner "
						+ "has no webhook endpoint and its email is recorded, so no durable queue takes a copy, and "
						+ "no browser watches api-service, so no queue at all), " + "and its email is sent (up to "
						+ SENDER_BATCH + " per transaction, over up to " + EMAIL_CONNECTIONS
						+ " SMTP connections); PerfTest only moves the message.");
			}
			bench.stopWorkers();
			// Emails the worker left unsent, in its outbox or as outcomes its email
			// listener had not recorded yet, would be sent by the next one, on its
			// cores and in its counts: the next setting, and the next figure, start
			// with neither.
			long unrecorded = bench.broker.purge(bench.broker.topology().emailQueue());
			long unsent = bench.execute("DELETE FROM sent_emails WHERE status = 'PENDING'");
			mailing.add("%s: %.0f built/s, %.0f mailed/s; left when it stopped: %d emails unsent in the outbox, %d "
				.formatted(categories.get(categories.size() - 1), built / elapsed, mailedCount / elapsed, unsent,
						unrecorded)
					+ "outcomes not yet recorded for email");
			offload.add(rate);
			int i = offload.size() - 1;
			bench.rows.add(new Row("2", "NO_OP reports processed per s, " + categories.get(i),
					"%.0f/s (SUCCEEDED %.0f/s, mailed %.0f/s)%s".formatted(rate, built / elapsed, mailedCount / elapsed,
							(left == 0) ? " (backlog ran out)" : ""),
					"PerfTest consume %.0f msg/s".formatted(perfTest.get(i)), AcceptPath.ratio(rate, perfTest.get(i)),
					targeted ? ">= 0.50" : "", targeted ? Row.met(rate >= 0.5 * perfTest.get(i)) : ""));
		}
		int warmup = warmups.get(0);
		MailFloor.Result mail = mailFloor(bench, sample);
		MessageFloor.Result messages = messageFloor(bench, taskSize);
		Ceilings ceilings = databaseCeiling(bench, seconds, offload.get(0), mail.bodyLength());
		List<LoadResult> jobRunr = jobRunrRows(bench, seconds, warmup, offload.get(0), cpuPerReport, machinePerReport,
				ceilings);
		brokerFloor(
				bench, taskSize, seconds, perfTestRuns, offload.get(0), new Measured(rabbitPerReport, postgresPerReport,
						sinkPerReport, apiPerReport, recordingPerReport, smtpPerReport),
				ceilings, mail, messages, jobRunr);
		bench.notes.put("Figure 2",
				"The worker starts on a full queue (QUEUED NO_OP reports whose tasks api-service's relay published); "
						+ ("processed = reports turned SUCCEEDED in PostgreSQL and emails marked sent during %d s, the "
								+ "smaller of the two counts (the worker's %d SMTP connections, `offload.worker.email.connections`, "
								+ "must keep up for a report to be processed; %s), counted once the worker's JIT "
								+ "compilers took under 10%% of its CPU over 5 s (at least %d s, at most %d; here %s s). "
								+ "Before each 5 s of the warm-up the backlog is topped up to %d tasks, and before the "
								+ "count to %d, if it holds fewer, with the worker paused (SIGSTOP, then SIGCONT) "
								+ "while the relay publishes the top-up, at most %d tasks a pause: so the worker "
								+ "neither runs dry nor waits on the relay, and the pauses are not counted (%s). ")
							.formatted(seconds, EMAIL_CONNECTIONS, String.join("; ", mailing), warmMin, warmMax,
									warmups.stream().map(String::valueOf).collect(Collectors.joining(" and ")),
									warmBacklog, countBacklog, PAUSED_TOP_UP, pauses)
						+ "The tasks a consumer holds (up to its prefetch) come to the pipeline together: the NO_OP "
						+ "reports among them (a type the worker has built in under 50 ms on average lately; the "
						+ "first few are built one at a time) are claimed in one statement, each gets its NO_OP file "
						+ "(and no RUNNING event unless the run takes over 250 ms), their files, SUCCEEDED "
						+ "statuses and emails are recorded in one "
						+ "transaction, their SUCCEEDED events published and the confirms awaited together, and "
						+ "each task is acknowledged; with prefetch 1 each report goes alone (its RUNNING event "
						+ "held back likewise). The worker's email sender "
						+ "mails each outcome from the outbox to an SMTP sink (Postfix's smtp-sink, a process of its "
						+ "own) meanwhile; the suite's owners each have an address, no webhook endpoint and no "
						+ "batch, so no durable queue takes a copy of an outcome. PerfTest drains a queue it "
						+ "filled first: `-x 0 -y N -q P -qq`, %d-byte persistent messages, manual acks."
							.formatted(taskSize));
		Map<String, List<Double>> series = new LinkedHashMap<>();
		series.put("Offload worker (reports/s)", offload);
		series.put("PerfTest consume (msg/s)", perfTest);
		Charts.bars(bench, "figure-2-dispatch.png", "Figure 2: dispatch path vs PerfTest consume", "setting",
				"per second", categories, series);
	}

	/**
	 * Tops the backlog up to {@code queued} if it holds fewer, with the worker paused
	 * ({@code SIGSTOP}, then {@code SIGCONT}) while api-service's relay publishes the
	 * tasks, {@value #PAUSED_TOP_UP} at most per pause: the worker neither eats the
	 * top-up as it is published nor waits on the relay, and goes on from a full queue.
	 * @return the nanoseconds the worker was paused, 0 if it was not
	 */
	private static long keepQueued(Bench bench, JavaProcess worker, int queued, Pauses pauses) {
		long paused = 0;
		for (long now = bench.queuedReports(); now < queued; now = bench.queuedReports()) {
			long start = System.nanoTime();
			try {
				signal(bench, worker, "STOP");
				topUp(bench, (int) Math.min(queued, now + PAUSED_TOP_UP));
			}
			finally {
				signal(bench, worker, "CONT");
			}
			long pause = System.nanoTime() - start;
			pauses.add(pause);
			paused += pause;
		}
		return paused;
	}

	private static void signal(Bench bench, JavaProcess worker, String signal) {
		Tools.exec("kill-" + signal.toLowerCase(Locale.ROOT),
				List.of("kill", "-" + signal, Long.toString(worker.pid())), Duration.ofSeconds(10), bench.logs);
	}

	/**
	 * Inserts QUEUED NO_OP reports until there are {@code queued}, and waits until
	 * api-service's relay has published their tasks.
	 */
	private static void topUp(Bench bench, int queued) {
		int missing = (int) Math.max(0, queued - bench.queuedReports());
		if (missing > 0) {
			bench.insertQueued(missing, "NO_OP", "CSV", "{}");
			bench.awaitPublished(Duration.ofMinutes(3));
		}
	}

	/**
	 * The least the RabbitMQ Java client spends per message here ({@link MessageFloor}),
	 * with the task's size.
	 */
	private static MessageFloor.Result messageFloor(Bench bench, int taskSize) {
		int messages = bench.quick ? 5000 : 50000;
		MessageFloor.Result floor = MessageFloor.measure(bench.broker.connectionFactory(),
				bench.broker.topology().prefix() + "bench.message.floor", taskSize, messages / 2, messages);
		bench.notes.put("Figure 2 message floor", String.format(Locale.ROOT,
				"The RabbitMQ Java client (amqp-client, which Spring AMQP drives in both services) in the "
						+ "suite's JVM, with nothing around it (no listener container, no converter, no "
						+ "transaction, no logging): %d persistent %d-byte messages published into a quorum queue "
						+ "of their own with confirms, in batches of %d whose confirms are awaited together, then "
						+ "consumed by one consumer with a "
						+ "prefetch of %d, each ack covering the %d deliveries before it; %d each way to warm up first. The JVM used %.3f "
						+ "ms of CPU per message published and %.3f ms per message consumed, its I/O thread "
						+ "included: the least any Java service here pays to move a message, which the verdict "
						+ "counts for each message a report's services move.",
				floor.messages(), taskSize, MessageFloor.CONFIRMS_TOGETHER, MessageFloor.PREFETCH,
				MessageFloor.ACKNOWLEDGED_TOGETHER, messages / 2, floor.publishMillis(), floor.consumeMillis()));
		return floor;
	}

	/**
	 * The least an email costs here ({@link MailFloor}), from copies of one the worker
	 * sent in the figure.
	 */
	private static MailFloor.Result mailFloor(Bench bench, MailFloor.Sample sample) {
		int emails = bench.quick ? 2000 : 10000;
		MailFloor.Result mail = MailFloor.measure(bench.mail(), sample, emails / 2, emails);
		bench.notes.put("Figure 2 email floor", String.format(Locale.ROOT,
				"Copies of an email the worker sent in the figure (its subject and its %d-character body, a new "
						+ "Message-ID each), sent by one thread of the suite's JVM with Angus Mail (the worker's "
						+ "Jakarta Mail) to the same SMTP sink (Postfix's smtp-sink), over one open connection, "
						+ "one after the other: %d to warm up, then %d measured, %.0f per s. The sending thread "
						+ "used %.3f ms of CPU per email, the sink's process %.3f ms. "
						+ "No outbox, no transaction, no event; but one email at a time, each SMTP command a round "
						+ "trip between the sending thread and the sink with nothing else to do, which on this machine can cost more "
						+ "per email than the worker's batches of " + SENDER_BATCH
						+ " do under load: the verdict takes the smaller of this and what the figure measured.",
				mail.bodyLength(), emails / 2, mail.emails(), mail.perSecond(), mail.clientMillis(),
				mail.sinkMillis()));
		return mail;
	}

	/**
	 * The peer of issue 16: JobRunr's BackgroundJobServer processing no-op jobs from a
	 * full backlog on the same PostgreSQL, in its default configuration and with its
	 * shortest poll interval, beside the targeted setting's NO_OP reports.
	 */
	private static List<LoadResult> jobRunrRows(Bench bench, int seconds, int warmupSeconds, double rate,
			double cpuPerReport, double machinePerReport, Ceilings ceilings) {
		// Counted over three of JobRunr's default poll intervals: its workers take jobs a
		// poll at a time, and 15 s counts one or two of them (959 and 3274 jobs/s in two
		// runs on one machine).
		int counted = bench.quick ? seconds : 45;
		String backlog = bench.quick ? "20000" : "200000";
		// JobRunr's job path is small and compiled sooner; past 30 s its backlog would
		// run
		// out before the count.
		String warmup = Integer.toString(Math.min(30, warmupSeconds));
		LoadResult standard;
		LoadResult fastest;
		try (TestDatabase peer = TestDatabase.create()) {
			standard = JobRunrPeer.run(bench, peer, "jobrunr-process-default", List.of("process", "--backlog", backlog,
					"--warmup", warmup, "--seconds", Integer.toString(counted)));
			fastest = JobRunrPeer.run(bench, peer, "jobrunr-process-poll5", List.of("process", "--poll", "5",
					"--backlog", backlog, "--warmup", warmup, "--seconds", Integer.toString(counted)));
		}
		bench.rows.add(new Row("2", "report-worker CPU per NO_OP report, " + TARGETED + " (events and email included)",
				"%.2f ms".formatted(cpuPerReport),
				"JobRunr %.2f ms of JVM CPU per no-op job (default configuration)"
					.formatted(standard.number("cpu_ms_per_job")),
				AcceptPath.ratio(cpuPerReport, standard.number("cpu_ms_per_job")), Row.issue16(2, "<= 1.0 ms"),
				Row.met(cpuPerReport <= 1.0)));
		for (LoadResult peer : List.of(standard, fastest)) {
			boolean byDefault = peer == standard;
			// A peer whose backlog ran out (or that processed nothing in the counted
			// seconds) was measured below its rate: no comparison with it counts as met.
			boolean measured = peer.number("left") > 0 && peer.throughput() > 0;
			bench.rows.add(new Row("2",
					"NO_OP reports processed per s, %s, vs JobRunr %s (%.0f workers, poll %.0f s)".formatted(TARGETED,
							byDefault ? "default configuration" : "shortest poll interval", peer.number("workers"),
							peer.number("poll_s")),
					"%.0f/s".formatted(rate),
					"JobRunr %.0f jobs/s at %.2f ms CPU per job%s".formatted(peer.throughput(),
							peer.number("cpu_ms_per_job"),
							measured ? "" : " (its backlog ran out: not a measure of its rate)"),
					measured ? AcceptPath.ratio(rate, peer.throughput()) : "", Row.issue16(2, ">= 1.00"),
					Row.met(measured && rate >= peer.throughput())));
		}
		int cores = Runtime.getRuntime().availableProcessors();
		double faster = Math.max(standard.throughput(), fastest.throughput());
		bench.bottlenecks.merge("Figure 2", String.format(Locale.ROOT,
				" The throughput targets: JobRunr's %.0f and %.0f jobs/s (default configuration, shortest poll "
						+ "interval) leave at most %.2f and %.2f ms of the %d cores' CPU per job for everything; a "
						+ "NO_OP report took %.2f ms in the "
						+ "worker, PostgreSQL and RabbitMQ together (the profile note splits the worker's share by "
						+ "step). A JobRunr job is claimed and finished in batches by a poller, with no broker, no "
						+ "events, no file and no email; the worker batches its claims and recordings (up to its "
						+ "prefetch of " + PREFETCH
						+ " per transaction), but each report still has its own events, file and "
						+ "email. PostgreSQL alone, running only the pipeline's statements for each report (claim, "
						+ "file, SUCCEEDED) from pgbench, committed at most %.0f reports/s (%.2f of "
						+ "JobRunr's faster rate) with each report's claim, file and outcome committed on their own, "
						+ "as a worker with prefetch 1 does; claiming " + PREFETCH + " reports in one transaction and "
						+ "recording them, their files created with their bytes, in one more (what the worker does "
						+ "with prefetch " + PREFETCH + "), their emails recorded in the outbox in that transaction "
						+ "and sent " + SENDER_BATCH + " at a time, as the worker's email "
						+ "sender takes them, lifts PostgreSQL's own " + "ceiling to %.0f "
						+ "reports/s (%.2f of JobRunr's faster rate), so PostgreSQL's throughput alone is not what "
						+ "holds the worker back: the cores it shares are.",
				standard.throughput(), fastest.throughput(), cores * 1000.0 / standard.throughput(),
				cores * 1000.0 / fastest.throughput(), cores, machinePerReport, ceilings.perReport(),
				ceilings.perReport() / faster, ceilings.batched(), ceilings.batched() / faster), String::concat);
		bench.notes.put("Figure 2 JobRunr peer", ("%s on the same PostgreSQL, in a database of its own, each "
				+ "configuration in a JVM of its own with the services' heap (-Xms512m -Xmx512m): PostgresStorageProvider "
				+ "over a Hikari pool of 10, Jackson 3 mapper, one BackgroundJobServer with "
				+ "`usingStandardBackgroundJobServerConfiguration()` (workers from the CPU count), then the same with "
				+ "`andPollInterval(5 s)`, the shortest JobRunr allows on SQL storage. %s no-op jobs are enqueued first; "
				+ "processed = jobs turned SUCCEEDED in PostgreSQL during %d s, counted after the server's first %s s "
				+ "(the worker's warm-up, at most 30 s); CPU: the JVM's process CPU time over those seconds, divided by the jobs. A "
				+ "JobRunr job is one claim and one state update in PostgreSQL; a NO_OP report also publishes its "
				+ "outcome with a confirm (and a RUNNING event should it be unrecorded 250 ms after its claim), writes its file and "
				+ "status and mails its outcome.")
			.formatted(JobRunrPeer.version(), backlog, counted, warmup));
		return List.of(standard, fastest);
	}

	/**
	 * What PostgreSQL alone allows: pgbench running the statements the pipeline commits
	 * for each NO_OP report (Reports.claim; the large object created with its bytes and
	 * the report recorded SUCCEEDED with it, in one transaction: Reports.succeed), with 4
	 * clients like the targeted setting's consumers and 16 like JobRunr's workers, on a
	 * copy of the schema with a backlog of QUEUED reports. No broker, no events, no email
	 * and no worker: an upper bound on NO_OP reports/s for one report per transaction on
	 * this machine. Then the same work for {@link #PREFETCH} reports per transaction, the
	 * ceiling of a worker that batched its reports.
	 * @return the most reports per second pgbench committed, one report and
	 * {@link #PREFETCH} reports per transaction
	 */
	private static Ceilings databaseCeiling(Bench bench, int seconds, double rate, int bodyLength) {
		try (TestDatabase reference = TestDatabase.create()) {
			bench.copySchemaTo(reference, "schema-copy-dispatch");
			// Enough for the three runs (about 55,000 reports one at a time and 150,000
			// batched on a machine where JobRunr ran 3,600 jobs/s) on a machine more than
			// twice as fast.
			int backlog = bench.quick ? 60000 : 500000;
			Tools.exec("dispatch-backlog", List.of("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-v",
					"ON_ERROR_STOP=1", "-d", reference.name(), "-c", """
							INSERT INTO reports (id, owner_id, owner_email, type, format, parameters, status,
							                     task_published_at)
							SELECT gen_random_uuid(), 'bench' || lpad((g %% %d)::text, 2, '0'), 'bench@example.com',
							       'NO_OP', 'CSV', '{}'::jsonb, 'QUEUED', now()
							  FROM generate_series(1, %d) g""".formatted(Bench.USERS, backlog), "-c",
					"VACUUM (ANALYZE) reports"), Duration.ofMinutes(2), bench.logs);
			double best = 0;
			for (int clients : new int[] { 4, 16 }) {
				Tools.PgbenchResult result = Tools.pgbench("pgbench-dispatch-" + clients, reference.name(),
						DISPATCH_STATEMENTS, clients, seconds, bench.logs);
				best = Math.max(best, result.tps());
				bench.rows.add(new Row("2",
						"NO_OP reports processed per s, " + TARGETED + ", vs PostgreSQL alone running the "
								+ "pipeline's statements per report (pgbench, %d clients)".formatted(clients),
						"%.0f/s".formatted(rate), "pgbench %.0f reports/s".formatted(result.tps()),
						AcceptPath.ratio(rate, result.tps()), "", ""));
			}
			double postgresBefore = Profile.postgresCpuSeconds();
			double batched = PREFETCH * Tools
				.pgbench("pgbench-dispatch-batched", reference.name(), batchedStatements(bodyLength), 4, seconds,
						bench.logs)
				.tps();
			double batchedPostgresMillis = (Profile.postgresCpuSeconds() - postgresBefore) * 1000 / (batched * seconds);
			bench.rows.add(new Row("2",
					"NO_OP reports processed per s, " + TARGETED + ", vs PostgreSQL alone claiming and "
							+ "recording %d reports per transaction and mailing them (pgbench, 4 clients)"
								.formatted(PREFETCH),
					"%.0f/s".formatted(rate), "pgbench %.0f reports/s".formatted(batched),
					AcceptPath.ratio(rate, batched), "", ""));
			bench.notes.put("Figure 2 PostgreSQL ceiling",
					("pgbench `-n -M prepared -c N -j 2 -T %d` (statements prepared once per connection, as the JDBC driver "
							+ "prepares those it runs again and again; N = 4, the "
							+ "targeted setting's consumers, and 16, JobRunr's workers) on a copy "
							+ "of the schema holding %d QUEUED NO_OP reports, each script run one report, committing what "
							+ "the pipeline commits for it: the claim (Reports.claim's update, choosing the next QUEUED "
							+ "report with FOR UPDATE SKIP LOCKED instead of the task's id), and, in one transaction, "
							+ "the large object created with its bytes (lo_from_bytea) and SUCCEEDED with the file "
							+ "(Reports.succeed, less its email's row). The email outbox and everything outside "
							+ "PostgreSQL are left out, so "
							+ "this is an upper bound. Batched: the same work for %d reports at a time, and their "
							+ "emails, in statements of their own transactions (one claims the reports; one "
							+ "transaction creates their files with their bytes and records their outcomes in one "
							+ "statement and their emails in the outbox in another, as the worker does; then "
							+ "statements that lock the due emails and mark them sent, %d at a time, as the sender "
							+ "does in two), 4 clients; reports/s = " + "script runs/s × %d. No worker "
							+ "does this: it is what PostgreSQL would allow one that batched, and the PostgreSQL CPU "
							+ "per report it measures is the floor the verdict below counts.")
						.formatted(seconds, backlog, PREFETCH, SENDER_BATCH, PREFETCH));
			return new Ceilings(best, batched, batchedPostgresMillis);
		}
	}

	/**
	 * PostgreSQL's ceilings for NO_OP reports.
	 *
	 * @param perReport reports/s committing each report on its own
	 * @param batched reports/s claiming and recording {@link #PREFETCH} at a time
	 * @param batchedPostgresMillis PostgreSQL's CPU per report meanwhile, in milliseconds
	 */
	private record Ceilings(double perReport, double batched, double batchedPostgresMillis) {

	}

	/**
	 * The batched ceiling's pgbench script: {@link #PREFETCH} reports claimed in one
	 * statement; in one transaction, their files created with their bytes and their
	 * outcomes recorded in one statement, and their emails recorded in the outbox in
	 * another (Reports.succeedAll, EmailOutbox.recordAll); then their emails locked and
	 * marked sent {@value #SENDER_BATCH} at a time (EmailOutbox.lockDue and markSent,
	 * which the sender runs as two statements of one transaction).
	 * @param bodyLength the length of an email's body
	 */
	private static String batchedStatements(int bodyLength) {
		StringBuilder script = new StringBuilder(
				CLAIMED_AND_RECORDED.formatted(ReportTransition.CLAIM.guard(), PREFETCH));
		script.append(RECORDED.formatted(bodyLength)).append("COMMIT;\n");
		for (int sent = 0; sent < PREFETCH; sent += SENDER_BATCH) {
			script.append(SENT.formatted(Math.min(SENDER_BATCH, PREFETCH - sent)));
		}
		return script.toString();
	}

	private static final String CLAIMED_AND_RECORDED = """
			WITH claimed AS (UPDATE reports SET status = 'RUNNING', started_at = now(), attempts = attempts + 1, lease_until = now() + interval '5 minutes', progress = 0, error = NULL, updated_at = now() WHERE id IN (SELECT id FROM reports WHERE status = 'QUEUED' AND %s LIMIT %d FOR UPDATE SKIP LOCKED) RETURNING id) SELECT array_agg(id)::text AS ids FROM claimed \\gset
			BEGIN;
			WITH files AS (SELECT id, lo_from_bytea(0, convert_to('No-op report' || chr(13) || chr(10), 'UTF8')) AS oid FROM unnest(:ids::uuid[]) id), succeeded AS (UPDATE reports r SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(), lease_until = NULL, error = NULL, file_store = 'postgres', file_key = f.oid::text, file_name = 'no-op.csv', content_type = 'text/csv', file_size = 14, file_sha256 = repeat('0', 64) FROM files f WHERE f.id = r.id AND r.status = 'RUNNING' RETURNING r.id) SELECT count(*) FROM succeeded;
			""";

	/**
	 * The statement that records the emails in {@link #batchedStatements}, in the
	 * transaction that records the outcomes: those of the claimed reports.
	 */
	private static final String RECORDED = """
			WITH recorded AS (INSERT INTO sent_emails (report_id, outcome, recipient, subject, body, status, next_attempt_at) SELECT r.id, 'SUCCEEDED', r.owner_email, 'Your report is ready: NO_OP', repeat('x', %d), 'PENDING', now() FROM reports r WHERE r.id = ANY(:ids::uuid[]) AND r.batch_id IS NULL ON CONFLICT (report_id, outcome) DO NOTHING RETURNING report_id) SELECT count(*) FROM recorded;
			""";

	/** The sender's transaction in {@link #batchedStatements}. */
	private static final String SENT = """
			WITH due AS (SELECT report_id, outcome FROM sent_emails WHERE status = 'PENDING' AND next_attempt_at <= now() ORDER BY next_attempt_at, created_at LIMIT %d FOR UPDATE SKIP LOCKED) UPDATE sent_emails s SET status = 'SENT', sent_at = now(), attempts = s.attempts + 1, next_attempt_at = NULL FROM due WHERE (s.report_id, s.outcome) = (due.report_id, due.outcome) RETURNING s.recipient, s.subject, s.body;
			""";

	/** The pgbench script of {@link #databaseCeiling}: one NO_OP report per run. */
	private static final String DISPATCH_STATEMENTS = """
			UPDATE reports SET status = 'RUNNING', started_at = now(), attempts = attempts + 1, lease_until = now() + interval '5 minutes', progress = 0, error = NULL, updated_at = now() WHERE id = (SELECT id FROM reports WHERE status = 'QUEUED' AND %s LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id AS report, attempts AS attempt \\gset
			BEGIN;
			SELECT lo_from_bytea(0, convert_to('No-op report' || chr(13) || chr(10), 'UTF8')) AS oid \\gset
			WITH succeeded AS (UPDATE reports SET status = 'SUCCEEDED', progress = 100, finished_at = now(), updated_at = now(), lease_until = NULL, error = NULL, file_store = 'postgres', file_key = :oid::text, file_name = 'no-op.csv', content_type = 'text/csv', file_size = 14, file_sha256 = repeat('0', 64) WHERE id = :report AND status = 'RUNNING' AND attempts = :attempt RETURNING id), recorded AS (DELETE FROM file_uploads WHERE store = 'postgres' AND key = :oid::text AND EXISTS (SELECT 1 FROM succeeded)) SELECT count(*) FROM succeeded;
			COMMIT;
			"""
		.formatted(ReportTransition.CLAIM.guard());

	/**
	 * The steps of a report on the worker, for the profile's breakdown: each sample
	 * counts for the innermost of these on its stack.
	 */
	static final Map<String, List<String>> WORKER_STEPS = new LinkedHashMap<>();

	private static final String CLAIM_STEP = "claim";

	private static final String FILE_STEP = "file (rendered into its upload)";

	private static final String SUCCEEDED_STEP = "SUCCEEDED with its file";

	private static final String SENDER_STEP = "email: sender (due emails read, marked sent)";

	private static final String SMTP_STEP = "email: the message built and sent (Angus Mail)";

	static {
		WORKER_STEPS.put("JIT compilers", List.of("CompileBroker::"));
		WORKER_STEPS.put("GC and VM", List.of("G1", "VMThread::"));
		WORKER_STEPS.put(CLAIM_STEP, List.of("dev.offload.worker.pipeline.Reports.claim"));
		WORKER_STEPS.put(FILE_STEP, List.of("dev.offload.worker.pipeline.ReportFiles.write"));
		WORKER_STEPS.put(SUCCEEDED_STEP, List.of("dev.offload.worker.pipeline.Reports.succeed"));
		WORKER_STEPS.put("events and their confirms",
				List.of("dev.offload.worker.pipeline.ReportEventPublisher",
						"dev.offload.worker.pipeline.ConfirmedPublisher",
						"org.springframework.amqp.rabbit.connection.PublisherCallbackChannelImpl"));
		WORKER_STEPS.put("logging", List.of("ch.qos.logback."));
		WORKER_STEPS.put("email: outbox rows (with the outcome, or from events read)",
				List.of("dev.offload.worker.email.ReportMailer", "dev.offload.worker.email.ReportEmailListener"));
		WORKER_STEPS.put(SENDER_STEP, List.of("dev.offload.worker.email.EmailSender"));
		WORKER_STEPS.put(SMTP_STEP,
				List.of("org.eclipse.angus.", "jakarta.mail.", "jakarta.activation.", "org.springframework.mail."));
		WORKER_STEPS.put("task delivery (listener container, JSON, ack)",
				List.of("org.springframework.amqp.rabbit.listener.", "dev.offload.worker.pipeline.ReportTaskListener"));
		WORKER_STEPS.put("RabbitMQ client threads", List.of("com.rabbitmq.client.impl.AMQConnection$MainLoop",
				"com.rabbitmq.client.impl.ConsumerWorkService"));
	}

	/**
	 * What the rest of the machine, and some of the worker's steps, took per NO_OP report
	 * in the targeted setting's counted seconds, in milliseconds of CPU.
	 *
	 * @param rabbit RabbitMQ
	 * @param postgres PostgreSQL
	 * @param sink the SMTP sink's process (Postfix's smtp-sink, which the worker mails)
	 * @param api api-service (its live status queue unbound, no stream being open; the
	 * suite's owners have no webhook endpoint, so their outcomes skip the webhooks queue)
	 * @param recording the worker's claim, file and SUCCEEDED steps
	 * @param smtp the worker's step building and sending the email (Angus Mail)
	 */
	private record Measured(double rabbit, double postgres, double sink, double api, double recording, double smtp) {

	}

	/**
	 * PerfTest's runs: its consume rate per setting, and RabbitMQ's CPU per message it
	 * published (with confirms) and per message it consumed in the targeted setting.
	 *
	 * @param rates messages consumed per s, one per setting
	 * @param publishMillis RabbitMQ's CPU per message published, in milliseconds
	 * @param consumeMillis RabbitMQ's CPU per message consumed (the target's prefetch),
	 * in milliseconds
	 */
	private record PerfTestRuns(List<Double> rates, double publishMillis, double consumeMillis) {

	}

	private static PerfTestRuns perfTest(Bench bench, int taskSize, int seconds) {
		String queue = bench.broker.topology().prefix() + "bench.perf.consume";
		String exchange = bench.perfTestExchange();
		List<String> common = List.of("-qq", "-u", queue, "-e", exchange, "-k", queue);
		List<Double> rates = new ArrayList<>();
		double publishMillis = Double.NaN;
		double consumeMillis = Double.NaN;
		try {
			List<String> fill = new ArrayList<>(List.of("-x", "1", "-y", "0", "-s", Integer.toString(taskSize), "-f",
					"persistent", "-c", "100", "-z", Integer.toString(seconds + 5), "-d", "dispatch-fill"));
			fill.addAll(common);
			for (int[] setting : SETTINGS) {
				// Filled again before each drain, so none drains a queue running dry.
				Tools.PerfTestResult filled = Tools.perfTest("perftest-fill-p" + setting[0] + "-c" + setting[1], fill,
						bench.logs);
				if (rates.isEmpty()) {
					publishMillis = filled.rabbitMillisPer(filled.sendRate() * (seconds + 5));
				}
				List<String> drain = new ArrayList<>(
						List.of("-x", "0", "-y", Integer.toString(setting[1]), "-q", Integer.toString(setting[0]), "-z",
								Integer.toString(seconds), "-p", "-d", "dispatch-p" + setting[0] + "-c" + setting[1]));
				drain.addAll(common);
				Tools.PerfTestResult drained = Tools.perfTest("perftest-consume-p" + setting[0] + "-c" + setting[1],
						drain, bench.logs);
				double rate = drained.receiveRate();
				if (rates.isEmpty()) {
					consumeMillis = drained.rabbitMillisPer(rate * seconds);
				}
				rates.add(rate);
			}
		}
		finally {
			bench.broker.deleteQueues(queue);
		}
		return new PerfTestRuns(rates, publishMillis, consumeMillis);
	}

	/**
	 * What RabbitMQ costs per report, beside what messages cost it when PerfTest streams
	 * them and when PerfTest sends them at the rate the worker's reports make, in the
	 * same run; then what is left for a worker, batched or not, at JobRunr's rate. Per
	 * NO_OP report, in the measured window, RabbitMQ delivers and settles the task, and
	 * takes the SUCCEEDED event with a confirm (a RUNNING one only from a report still
	 * unrecorded 250 ms after its claim), which reaches no queue: the worker recorded its
	 * email with the outcome, the suite's owners have no webhook endpoint, and no browser
	 * watches api-service, whose live status queue is bound only while a stream is open.
	 */
	private static void brokerFloor(Bench bench, int taskSize, int seconds, PerfTestRuns perfTest, double rate,
			Measured measured, Ceilings ceilings, MailFloor.Result mail, MessageFloor.Result messages,
			List<LoadResult> jobRunr) {
		double rabbitPerReport = measured.rabbit();
		// The quorum queue messages the reports make per second (the task), from 4
		// producers and to 4 consumers like the worker's, one confirm in flight per
		// producer.
		int perProducer = Math.max(1, (int) Math.round(rate / 4));
		String queue = bench.broker.topology().prefix() + "bench.perf.paced";
		double pacedMillis;
		try {
			Tools.PerfTestResult paced = Tools.perfTest("perftest-paced",
					List.of("-x", "4", "-y", "4", "-q", Integer.toString(PREFETCH), "-c", "1", "-r",
							Integer.toString(perProducer), "-s", Integer.toString(taskSize), "-f", "persistent", "-qq",
							"-u", queue, "-e", bench.perfTestExchange(), "-k", queue, "-z", Integer.toString(seconds),
							"-d", "dispatch-paced"),
					bench.logs);
			pacedMillis = paced.rabbitMillisPer(paced.receiveRate() * seconds);
		}
		finally {
			bench.broker.deleteQueues(queue);
		}
		// The task published and consumed; the event, which reaches no queue, is left
		// out.
		double streamed = perfTest.publishMillis() + perfTest.consumeMillis();
		int cores = Runtime.getRuntime().availableProcessors();
		bench.notes.put("Figure 2 broker", String.format(Locale.ROOT,
				"RabbitMQ's CPU (every beam.smp process, from /proc) per persistent quorum queue message of the "
						+ "task's size, published with a confirm and consumed with an ack: streamed by PerfTest as "
						+ "fast as it goes (100 confirms in flight, then 4 consumers with prefetch " + PREFETCH
						+ " draining), "
						+ "%.3f ms (%.3f published, %.3f consumed); paced by PerfTest at the quorum queue messages "
						+ "figure 2's reports make (1 per report, the task: %d msg/s from 4 producers, one confirm "
						+ "in flight each, to 4 consumers with prefetch " + PREFETCH
						+ "), %.3f ms. A NO_OP report has RabbitMQ deliver and settle 1 quorum queue message (the "
						+ "task) and take its SUCCEEDED event with a confirm, which reaches no queue (the worker "
						+ "recorded its email with the outcome, its owner has no webhook endpoint, and no browser "
						+ "watches api-service, whose live status queue is bound only while a stream is open). "
						+ "It took %.2f ms per report in figure 2; PerfTest's paced message alone cost it "
						+ "%.2f ms. At a few hundred messages per second RabbitMQ spends "
						+ "several times its streamed cost on each message, whoever sends it (a quorum queue "
						+ "writes and syncs its log once per batch of what has arrived, and at this rate a batch "
						+ "is a message or two); streamed, the task published and consumed cost it %.2f ms "
						+ "per report.",
				streamed, perfTest.publishMillis(), perfTest.consumeMillis(), 4 * perProducer, pacedMillis,
				rabbitPerReport, pacedMillis, streamed));
		// Per peer: what the machine has per report at its rate, against the least the
		// report takes, each part the smaller of what it took in the figure and what it
		// takes alone: RabbitMQ streamed, PostgreSQL batched with the outbox, the SMTP
		// sink taking copies of the email, the services' Java clients moving the report's
		// messages and sending its email, and its claim and recording as light as
		// JobRunr's or the worker's own, whichever was lighter.
		double rabbit = Math.min(streamed, rabbitPerReport);
		double postgres = Math.min(ceilings.batchedPostgresMillis(), measured.postgres());
		double sink = Math.min(mail.sinkMillis(), measured.sink());
		// The worker consumes the task and publishes the SUCCEEDED event, which no
		// durable queue takes (its email recorded with it; the suite's owners have no
		// webhook endpoint). The client floor alone: the profiles do not split the
		// RabbitMQ client's share out.
		double clients = messages.publishMillis() + messages.consumeMillis();
		double smtp = Double.isNaN(measured.smtp()) ? mail.clientMillis()
				: Math.min(mail.clientMillis(), measured.smtp());
		double others = rabbit + postgres + sink + clients + smtp;
		StringBuilder verdict = new StringBuilder(String.format(Locale.ROOT,
				" The least the machine takes per report, each part the smaller of what it took in the figure and "
						+ "what it takes alone: RabbitMQ %.2f ms (%.2f in the figure, %.2f streamed: the task; the "
						+ "event, which reaches no queue, left out), PostgreSQL %.2f ms (%.2f in the figure, "
						+ "%.2f claiming and recording " + PREFETCH + " reports per transaction and mailing them in "
						+ "pgbench, the email "
						+ "outbox included; where the figure's went, by step, in the PostgreSQL profile note), "
						+ "the SMTP sink %.2f ms (Postfix's smtp-sink, %.2f in the "
						+ "figure; %.2f taking copies of the email alone, the email floor note), the services' "
						+ "RabbitMQ clients %.2f ms (the message floor alone, which the profiles do not split out: "
						+ "the event published with a confirm and the task consumed), the email built and "
						+ "sent %.2f ms (%s in the worker's Angus Mail step, %.3f alone, the email floor note): "
						+ "%.2f ms, before the report is claimed and recorded. api-service, which takes no copy of "
						+ "an event here (no live status stream is open, so its queue is unbound; the suite's "
						+ "owners have no webhook endpoint), used %s per report in the figure. The least a claim "
						+ "and a recording take is the smaller of what "
						+ "JobRunr's JVM spends per job and what the worker's claim, file and SUCCEEDED steps took "
						+ "(%s); the rest of the worker's work (its listener container, JSON, logging, the events' "
						+ "confirms awaited, the outbox rows) is left out, so this is a lower bound.",
				rabbit, rabbitPerReport, streamed, postgres, measured.postgres(), ceilings.batchedPostgresMillis(),
				sink, measured.sink(), mail.sinkMillis(), clients, smtp, millis(measured.smtp()), mail.clientMillis(),
				others, millis(measured.api()), millis(measured.recording())));
		for (LoadResult peer : jobRunr) {
			if (peer.number("left") <= 0 || peer.throughput() <= 0) {
				verdict.append(" JobRunr's %s ran out of jobs or processed none: no verdict against it."
					.formatted(peer == jobRunr.get(0) ? "default configuration" : "shortest poll interval"));
				continue;
			}
			double budget = cores * 1000.0 / peer.throughput();
			double jobRunrCpu = peer.number("cpu_ms_per_job");
			double recording = Double.isNaN(measured.recording()) ? jobRunrCpu
					: Math.min(jobRunrCpu, measured.recording());
			double floor = others + recording;
			String outcome = (floor > budget)
					? "more than the machine has at that rate: with its outcome mailed from an outbox and announced "
							+ "on the fanout, no worker reaches that rate here, however light."
					: "within what the machine has at that rate: a worker that did nothing beyond these could "
							+ "reach it; this one's own CPU per report is in the profile note, split by step (events "
							+ "and confirms, the email and its SMTP send, the recording).";
			verdict.append(String.format(Locale.ROOT,
					" At JobRunr's %.0f jobs/s (%s) each report has %.2f ms of the %d cores; JobRunr spent %.2f ms "
							+ "per job, the worker's claim and recording %s, so with the smaller (%.2f ms) the least "
							+ "is %.2f ms, %s",
					peer.throughput(), peer == jobRunr.get(0) ? "default configuration" : "shortest poll interval",
					budget, cores, jobRunrCpu, millis(measured.recording()), recording, floor, outcome));
		}
		bench.bottlenecks.merge("Figure 2", verdict + " (The broker note has RabbitMQ's figures.)", String::concat);
	}

	/** Milliseconds for a verdict's text, or why there are none. */
	private static String millis(double value) {
		return Double.isNaN(value) ? "not measured" : String.format(Locale.ROOT, "%.2f ms", value);
	}

	private static long succeeded(Bench bench) {
		return bench.queryLong("SELECT count(*) FROM reports WHERE status = 'SUCCEEDED'");
	}

	/** The email the worker sent last, from its outbox row. */
	private static MailFloor.Sample lastMailed(Bench bench) {
		String report = bench.queryString(
				"SELECT report_id FROM sent_emails WHERE status = 'SENT' AND outcome = 'SUCCEEDED' ORDER BY sent_at DESC LIMIT 1");
		if (report == null) {
			throw new IllegalStateException("The worker mailed no outcome in figure 2");
		}
		String where = " FROM sent_emails WHERE report_id = '" + report + "' AND outcome = 'SUCCEEDED'";
		return new MailFloor.Sample(Bench.EMAIL_FROM, bench.queryString("SELECT recipient" + where),
				bench.queryString("SELECT subject" + where), bench.queryString("SELECT body" + where));
	}

	private static long mailed(Bench bench) {
		return bench.queryLong("SELECT count(*) FROM sent_emails WHERE status = 'SENT'");
	}

	/** The worker's pauses while its backlog was topped up ({@link #keepQueued}). */
	private static final class Pauses {

		private int count;

		private long longestNanos;

		void add(long nanos) {
			this.count++;
			this.longestNanos = Math.max(this.longestNanos, nanos);
		}

		@Override
		public String toString() {
			return (this.count == 0) ? "it was never paused"
					: "paused %d times, for %.1f s at most".formatted(this.count, this.longestNanos / 1e9);
		}

	}

}
