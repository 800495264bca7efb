package dev.offload.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Where PostgreSQL spends its CPU while a figure runs, for the backends of one service:
 * Linux {@code perf} sampling every CPU's clock with call stacks, its samples of
 * PostgreSQL's processes within the figure's window split by whom they served (the
 * service's backends, found by their {@code application_name}; VACUUM and ANALYZE; the
 * WAL writer, checkpointer and background writer; every other backend) and the service's
 * share by step. PostgreSQL's own cumulative statistics say how many transactions and
 * rows a report costs ({@link DatabaseActivity}); this says what the CPU behind them went
 * to, which is what a figure's PostgreSQL CPU per report, set beside pgbench running the
 * same statements, leaves unexplained.
 * <p>
 * perf starts before the window, so its own start-up (it reads every process's memory
 * map) falls outside it, and its samples carry the monotonic clock
 * {@link System#nanoTime} reads, so only the window's are counted. Debian's PostgreSQL is
 * built with frame pointers and exports its non-static functions' names, so the stacks
 * read without debug symbols; a static function shows as {@code [unknown]}, so the steps
 * name exported functions only. Where {@code perf} is missing or may not sample every
 * CPU, or anything else goes wrong, the note says so instead and the figure goes on.
 */
final class DatabaseProfile {

	/** Samples per second and CPU: thousands of PostgreSQL's samples in a figure. */
	private static final int FREQUENCY = 199;

	/** How long perf may sample beyond the window at most: it is stopped when it ends. */
	private static final int MARGIN_SECONDS = 60;

	private static final String SERVICE = "the service's backends";

	private static final String VACUUM = "VACUUM and ANALYZE";

	private static final String AUXILIARY = "WAL writer, checkpointer, background writer";

	private static final String OTHERS = "every other backend (api-service unless counted above, the suite's queries, "
			+ "connections opened and closed)";

	private static final String OTHER_STEP = "the rest (expressions, functions, locks, and what no step above claims)";

	/**
	 * The steps of a backend's work: each sample counts for the first step, in this
	 * order, that has a frame on its stack (a large object's catalogue rows count as the
	 * large object, a commit's WAL flush as the commit). Exact function names; a name
	 * ending in {@code *} is a prefix.
	 */
	private static final Map<String, List<String>> STEPS = new LinkedHashMap<>();

	static {
		STEPS.put("large objects (the file's bytes, lo_from_bytea)", List.of("be_lo_*", "inv_*"));
		STEPS.put("commit (the WAL flush included)", List.of("CommitTransactionCommand", "AbortCurrentTransaction"));
		STEPS.put("planning (the plan cache included)",
				List.of("pg_plan_queries", "standard_planner", "GetCachedPlan"));
		STEPS.put("parsing and analysis", List.of("pg_parse_query", "pg_analyze_and_rewrite*", "parse_analyze*"));
		STEPS.put("parameters read (arrays and JSON parsed from text)",
				List.of("InputFunctionCall", "OidInputFunctionCall", "array_in", "json_*"));
		STEPS.put("index entries written", List.of("ExecInsertIndexTuples", "index_insert"));
		STEPS.put("rows written", List.of("heap_update", "heap_insert", "heap_delete", "heap_multi_insert",
				"simple_heap_*", "ExecConstraints"));
		STEPS.put("rows read and locked", List.of("ExecScan*", "heap_lock_tuple", "index_getnext_*", "index_fetch_heap",
				"heap_hot_search_buffer"));
		STEPS.put("executor set-up and tear-down",
				List.of("standard_ExecutorStart", "standard_ExecutorEnd", "ExecInitNode", "ExecEndNode"));
		STEPS.put("client protocol (commands read, rows sent, waits for the next)",
				List.of("secure_read", "secure_write", "pq_getbyte", "pq_getmessage", "__send", "__libc_send",
						"__libc_recv", "WaitEventSetWait", "epoll_wait"));
		STEPS.put("page faults and memory mapping (what the steps above do not claim)",
				List.of("asm_exc_page_fault", "exc_page_fault", "__brk", "__munmap", "__mmap"));
	}

	private final Bench bench;

	private final String name;

	private final String application;

	private final Path data;

	private final Path log;

	private final Set<Integer> backends = new HashSet<>();

	/**
	 * A second service whose backends have their own share (api-service beside the
	 * worker), or {@code null}: its steps are not split.
	 */
	private final String otherApplication;

	private final Set<Integer> otherBackends = new HashSet<>();

	private final Process perf;

	private final String unavailable;

	private DatabaseProfile(Bench bench, String name, String application, String otherApplication, Process perf,
			String unavailable) {
		this.bench = bench;
		this.name = name;
		this.application = application;
		this.otherApplication = otherApplication;
		this.data = data(bench, name);
		this.log = log(bench, name);
		this.perf = perf;
		this.unavailable = unavailable;
	}

	/**
	 * Starts sampling every CPU, a second before the window the caller measures: perf's
	 * own start-up then falls outside it.
	 * @param bench the run
	 * @param name the recording's name
	 * @param application the service's {@code application_name}
	 * @param seconds how long the window lasts
	 * @return the profile, to be read with {@link #summary} once the window has ended
	 */
	static DatabaseProfile start(Bench bench, String name, String application, int seconds) {
		return start(bench, name, application, null, seconds);
	}

	/**
	 * Starts sampling as {@link #start(Bench, String, String, int)} does, with a second
	 * service's backends counted apart from every other backend.
	 * @param bench the run
	 * @param name the recording's name
	 * @param application the service's {@code application_name}, whose steps are split
	 * @param otherApplication the second service's {@code application_name}, or
	 * {@code null}
	 * @param seconds how long the window lasts
	 * @return the profile, to be read with {@link #summary} once the window has ended
	 */
	static DatabaseProfile start(Bench bench, String name, String application, String otherApplication, int seconds) {
		if (!Tools.onPath("perf")) {
			return new DatabaseProfile(bench, name, application, otherApplication, null,
					"perf is not installed (Debian's linux-perf)");
		}
		try {
			Process perf = new ProcessBuilder("perf", "record", "-a", "-g", "-e", "cpu-clock", "-F",
					Integer.toString(FREQUENCY), "-k", "CLOCK_MONOTONIC", "--no-buildid-cache", "-o",
					data(bench, name).toString(), "--", "sleep", Integer.toString(seconds + MARGIN_SECONDS))
				.redirectErrorStream(true)
				.redirectOutput(log(bench, name).toFile())
				.start();
			DatabaseProfile profile = new DatabaseProfile(bench, name, application, otherApplication, perf, null);
			profile.addBackends();
			Pause.millis(1000);
			return profile;
		}
		catch (IOException ex) {
			return new DatabaseProfile(bench, name, application, otherApplication, null,
					"perf could not be started: " + ex.getMessage());
		}
	}

	private static Path data(Bench bench, String name) {
		return bench.logs.resolve(name + ".perf.data");
	}

	private static Path log(Bench bench, String name) {
		return bench.logs.resolve(name + ".perf.log");
	}

	/** The service's backends now; those its pools open later are read at the end too. */
	private void addBackends() {
		try {
			this.backends.addAll(this.bench.backendPids(this.application));
			if (this.otherApplication != null) {
				this.otherBackends.addAll(this.bench.backendPids(this.otherApplication));
			}
		}
		catch (RuntimeException ex) {
			// Read again at the end; without any, every sample counts as another
			// backend's.
		}
	}

	/**
	 * Stops the sampling and describes the window's samples.
	 * @param operations the reports (or other operations) done in the window
	 * @param from the window's start, from {@link System#nanoTime()}
	 * @param to the window's end, from {@link System#nanoTime()}
	 * @return the note's text
	 */
	String summary(long operations, long from, long to) {
		if (this.unavailable != null) {
			return "Not profiled: " + this.unavailable + ".";
		}
		try {
			if (!stop()) {
				return "Not profiled: perf record failed (sampling every CPU needs root or "
						+ "kernel.perf_event_paranoid at most 0, for example): " + firstLine(this.log) + ".";
			}
			addBackends();
			Path script = this.bench.logs.resolve(this.name + ".perf.txt");
			Tools.exec(this.name + "-perf-script",
					List.of("bash", "-c",
							"perf script -i '" + this.data + "' --comm postgres -F pid,time,ip,sym > '" + script + "'"),
					Duration.ofMinutes(5), this.bench.logs);
			List<Sample> samples = read(script).stream()
				.filter((sample) -> sample.nanos() >= from && sample.nanos() <= to)
				.toList();
			return describe(samples, operations, (to - from) / 1e9);
		}
		catch (IOException | RuntimeException ex) {
			if (this.perf.isAlive()) {
				this.perf.destroyForcibly();
			}
			return "Not profiled: " + String.valueOf(ex.getMessage()).lines().findFirst().orElse("") + ".";
		}
	}

	/**
	 * Stops perf (SIGINT: it writes what it sampled and ends its {@code sleep}).
	 * @return whether it recorded
	 */
	private boolean stop() throws IOException {
		if (this.perf.isAlive()) {
			Tools.exec(this.name + "-perf-stop", List.of("kill", "-INT", Long.toString(this.perf.pid())),
					Duration.ofSeconds(10), this.bench.logs);
		}
		try {
			if (!this.perf.waitFor(60, TimeUnit.SECONDS)) {
				this.perf.destroyForcibly();
				return false;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.perf.destroyForcibly();
			return false;
		}
		// Interrupted, perf ends with 130 or 143 once it has written its samples.
		int exit = this.perf.exitValue();
		return (exit == 0 || exit == 130 || exit == 143) && Files.size(this.data) > 0;
	}

	private static String firstLine(Path file) throws IOException {
		return Files.exists(file)
				? Files.readString(file, StandardCharsets.UTF_8).strip().lines().findFirst().orElse("") : "no output";
	}

	/**
	 * One sample: the process, when (monotonic nanoseconds) and its stack, innermost
	 * first.
	 */
	private record Sample(int pid, long nanos, List<String> frames) {

	}

	/**
	 * Reads {@code perf script}'s output: a line with the process id and the time, then
	 * one line per frame (address and symbol), then a blank line.
	 */
	private static List<Sample> read(Path script) throws IOException {
		List<Sample> samples = new ArrayList<>();
		try (BufferedReader reader = Files.newBufferedReader(script, StandardCharsets.UTF_8)) {
			Sample sample = null;
			String line;
			while ((line = reader.readLine()) != null) {
				if (line.startsWith("\t")) {
					if (sample != null) {
						String[] parts = line.strip().split("\\s+", 2);
						sample.frames().add((parts.length > 1) ? parts[1] : "[unknown]");
					}
				}
				else if (!line.isBlank()) {
					// A sample without a call stack is not followed by a blank line.
					if (sample != null) {
						samples.add(sample);
					}
					String[] fields = line.strip().split("\\s+");
					sample = new Sample(Integer.parseInt(fields[0]),
							Math.round(Double.parseDouble(fields[1].replace(":", "")) * 1e9), new ArrayList<>());
				}
				else if (sample != null) {
					samples.add(sample);
					sample = null;
				}
			}
			if (sample != null) {
				samples.add(sample);
			}
		}
		return samples;
	}

	private String describe(List<Sample> samples, long operations, double seconds) {
		Map<String, Integer> whose = new LinkedHashMap<>();
		whose.put(SERVICE, 0);
		if (this.otherApplication != null) {
			whose.put(otherOwner(), 0);
		}
		List.of(VACUUM, AUXILIARY, OTHERS).forEach((owner) -> whose.put(owner, 0));
		Map<String, Integer> steps = new LinkedHashMap<>();
		STEPS.keySet().forEach((step) -> steps.put(step, 0));
		steps.put(OTHER_STEP, 0);
		Map<String, Integer> self = new HashMap<>();
		int service = 0;
		for (Sample sample : samples) {
			String owner = owner(sample);
			whose.merge(owner, 1, Integer::sum);
			if (owner.equals(SERVICE)) {
				service++;
				steps.merge(step(sample.frames()), 1, Integer::sum);
				if (!sample.frames().isEmpty()) {
					self.merge(sample.frames().get(0), 1, Integer::sum);
				}
			}
		}
		if (operations <= 0 || service == 0) {
			return ("Not profiled: %d operations and %d samples of the service's %d backends (application_name %s) "
					+ "in the window.")
				.formatted(operations, service, this.backends.size(), this.application);
		}
		double perSample = 1000.0 / FREQUENCY;
		String byOwner = whose.entrySet()
			.stream()
			.map((entry) -> String.format(Locale.ROOT, "%s %.2f CPU-s (%.3f ms per operation)", entry.getKey(),
					entry.getValue() * perSample / 1000, entry.getValue() * perSample / operations))
			.collect(Collectors.joining(", "));
		int serviceSamples = service;
		String bySteps = steps.entrySet()
			.stream()
			.map((entry) -> String.format(Locale.ROOT, "%s %.3f ms (%.0f%%)", entry.getKey(),
					entry.getValue() * perSample / operations, entry.getValue() * 100.0 / serviceSamples))
			.collect(Collectors.joining(", "));
		String hottest = self.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(8)
			.map((entry) -> String.format(Locale.ROOT, "`%s` %.1f%%", entry.getKey(),
					entry.getValue() * 100.0 / serviceSamples))
			.collect(Collectors.joining(", "));
		// On a paravirtualised guest, time the kernel spent with interrupts off is
		// sampled when it turns them on again.
		String kernel = hottest.contains("`pvm_irq_enable`")
				? "; `pvm_irq_enable` is kernel time, sampled as the paravirtualised kernel turns interrupts back on"
				: "";
		return ("perf record -a -g -e cpu-clock -F %d, the %.0f s window's %d samples of PostgreSQL's processes (%.1f "
				+ "CPU-s), %d of them the service's %d backends (application_name %s). PostgreSQL's CPU by whom it "
				+ "served: %s. The service's backends by step (each sample counted for the first of these with a "
				+ "frame on its stack, in this order; the service's own profile counts a sample for its innermost "
				+ "step instead), ms of PostgreSQL's CPU per operation: %s; hottest frames (self): %s%s.")
			.formatted(FREQUENCY, seconds, samples.size(), samples.size() * perSample / 1000, service,
					this.backends.size(), this.application, byOwner, bySteps, hottest, kernel);
	}

	private String owner(Sample sample) {
		if (this.backends.contains(sample.pid())) {
			return SERVICE;
		}
		if (this.otherBackends.contains(sample.pid())) {
			return otherOwner();
		}
		for (String frame : sample.frames()) {
			if (frame.equals("ExecVacuum") || frame.equals("vacuum") || frame.equals("analyze_rel")) {
				return VACUUM;
			}
			if (frame.equals("WalWriterMain") || frame.equals("CheckpointerMain")
					|| frame.equals("BackgroundWriterMain")) {
				return AUXILIARY;
			}
		}
		return OTHERS;
	}

	private String otherOwner() {
		return "the backends of " + this.otherApplication;
	}

	private static String step(List<String> frames) {
		for (Map.Entry<String, List<String>> step : STEPS.entrySet()) {
			for (String frame : frames) {
				if (step.getValue().stream().anyMatch((name) -> matches(frame, name))) {
					return step.getKey();
				}
			}
		}
		return OTHER_STEP;
	}

	private static boolean matches(String frame, String name) {
		return name.endsWith("*") ? frame.startsWith(name.substring(0, name.length() - 1)) : frame.equals(name);
	}

}
