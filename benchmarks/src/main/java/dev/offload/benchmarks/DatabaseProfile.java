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
 * Linux {@code perf} sampling every CPU with call stacks, its samples of PostgreSQL's
 * processes split by whom they served (the service's backends, found by their
 * {@code application_name}; the autovacuum stand-in's VACUUM and ANALYZE; the WAL writer,
 * checkpointer and background writer; every other backend) and the service's share by
 * step. PostgreSQL's own cumulative statistics say how many transactions and rows a
 * report costs ({@link DatabaseActivity}); this says what the CPU behind them went to,
 * which is what a figure's PostgreSQL CPU per report, set beside pgbench running the same
 * statements, leaves unexplained.
 * <p>
 * Debian's PostgreSQL exports its functions' names, so the stacks read without debug
 * symbols. Where {@code perf} is missing or not allowed to sample every CPU, the note
 * says so instead.
 */
final class DatabaseProfile {

	/** Samples per second and CPU: thousands of PostgreSQL's samples in a figure. */
	private static final int FREQUENCY = 199;

	/**
	 * The steps of a backend's work: each sample counts for the first step, in this
	 * order, that has a frame on its stack (a large object's catalogue rows count as the
	 * large object, a commit's WAL flush as the commit).
	 */
	private static final Map<String, List<String>> STEPS = new LinkedHashMap<>();

	static {
		STEPS.put("large objects (the file's bytes, lo_from_bytea)", List.of("be_lo_", "inv_"));
		STEPS.put("commit (the WAL flush included)", List.of("CommitTransactionCommand", "AbortCurrentTransaction"));
		STEPS.put("planning (the plan cache included)",
				List.of("standard_planner", "BuildCachedPlan", "RevalidateCachedQuery", "GetCachedPlan"));
		STEPS.put("parsing and analysis", List.of("pg_parse_query", "pg_analyze_and_rewrite", "parse_analyze"));
		// After planning: binding a prepared statement's parameters also plans it.
		STEPS.put("parameters read (arrays and JSON parsed from text)",
				List.of("exec_bind_message", "InputFunctionCall", "OidInputFunctionCall", "array_in", "json_"));
		STEPS.put("index entries written", List.of("ExecInsertIndexTuples", "index_insert"));
		STEPS.put("rows written", List.of("heap_update", "heap_insert", "heap_delete", "heap_multi_insert",
				"ExecUpdate", "ExecInsert", "ExecDelete", "ExecConstraints"));
		STEPS.put("rows read and locked",
				List.of("ExecScan", "ExecLockRows", "heap_lock_tuple", "index_getnext", "index_fetch_heap"));
		STEPS.put("executor set-up and tear-down",
				List.of("standard_ExecutorStart", "standard_ExecutorEnd", "ExecInitNode", "ExecEndNode"));
		STEPS.put("client protocol (commands read, rows sent, waits for the next)",
				List.of("secure_read", "secure_write", "pq_getbyte", "pq_getmessage", "pq_flush", "internal_flush",
						"socket_flush", "__send", "__libc_send", "__libc_recv", "recv", "WaitEventSetWait",
						"epoll_wait"));
		STEPS.put("memory (page faults, brk, munmap)",
				List.of("asm_exc_page_fault", "exc_page_fault", "__brk", "__munmap", "__mmap"));
	}

	private final Bench bench;

	private final String name;

	private final String application;

	private final int seconds;

	private final Path data;

	private final Path log;

	private final Set<Integer> backends;

	private final Process perf;

	private final String unavailable;

	private DatabaseProfile(Bench bench, String name, String application, int seconds, Process perf,
			String unavailable) {
		this.bench = bench;
		this.name = name;
		this.application = application;
		this.seconds = seconds;
		this.data = bench.logs.resolve(name + ".perf.data");
		this.log = bench.logs.resolve(name + ".perf.log");
		this.backends = new HashSet<>(bench.backendPids(application));
		this.perf = perf;
		this.unavailable = unavailable;
	}

	/**
	 * Starts sampling every CPU now, for a while; returns at once.
	 * @param bench the run
	 * @param name the recording's name
	 * @param application the service's {@code application_name}
	 * @param seconds how long to sample
	 * @return the profile, to be read with {@link #summary(long)} once the figure is done
	 */
	static DatabaseProfile start(Bench bench, String name, String application, int seconds) {
		if (!Tools.onPath("perf")) {
			return new DatabaseProfile(bench, name, application, seconds, null,
					"perf is not installed (Debian's linux-perf)");
		}
		Path data = bench.logs.resolve(name + ".perf.data");
		Path log = bench.logs.resolve(name + ".perf.log");
		try {
			Process perf = new ProcessBuilder("perf", "record", "-a", "-g", "-F", Integer.toString(FREQUENCY), "-o",
					data.toString(), "--", "sleep", Integer.toString(seconds))
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			return new DatabaseProfile(bench, name, application, seconds, perf, null);
		}
		catch (IOException ex) {
			return new DatabaseProfile(bench, name, application, seconds, null,
					"perf could not be started: " + ex.getMessage());
		}
	}

	/**
	 * Waits for the sampling to end and describes it.
	 * @param operations the reports (or other operations) done while it sampled
	 * @return the note's text
	 */
	String summary(long operations) {
		if (this.unavailable != null) {
			return "Not profiled: " + this.unavailable + ".";
		}
		try {
			if (!this.perf.waitFor(this.seconds + 60L, TimeUnit.SECONDS)) {
				this.perf.destroyForcibly();
				return "Not profiled: perf record did not end; see " + this.log + ".";
			}
			if (this.perf.exitValue() != 0) {
				return "Not profiled: perf record exited with " + this.perf.exitValue() + " (sampling every CPU needs "
						+ "root or kernel.perf_event_paranoid <= 0): "
						+ Files.readString(this.log, StandardCharsets.UTF_8).strip() + ".";
			}
		}
		catch (IOException ex) {
			return "Not profiled: " + ex.getMessage() + ".";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "Not profiled: interrupted.";
		}
		// Backends the pool opened meanwhile are the service's too.
		this.backends.addAll(this.bench.backendPids(this.application));
		Path script = this.bench.logs.resolve(this.name + ".perf.txt");
		Tools.exec(
				this.name + "-perf-script", List.of("bash", "-c", "perf script -i '" + this.data
						+ "' --comm postgres -F pid,ip,sym > '" + script + "' 2>/dev/null"),
				Duration.ofMinutes(5), this.bench.logs);
		try {
			return describe(read(script), operations);
		}
		catch (IOException ex) {
			return "Not profiled: could not read perf's samples: " + ex.getMessage() + ".";
		}
	}

	/** One sample: the process and its stack, innermost frame first. */
	private record Sample(int pid, List<String> frames) {

	}

	/**
	 * Reads {@code perf script}'s output: a line with the process id, then one line per
	 * frame (address and symbol), then a blank line.
	 */
	private static List<Sample> read(Path script) throws IOException {
		List<Sample> samples = new ArrayList<>();
		try (BufferedReader reader = Files.newBufferedReader(script, StandardCharsets.UTF_8)) {
			Integer pid = null;
			List<String> frames = new ArrayList<>();
			String line;
			while ((line = reader.readLine()) != null) {
				if (line.isBlank()) {
					if (pid != null) {
						samples.add(new Sample(pid, frames));
					}
					pid = null;
					frames = new ArrayList<>();
				}
				else if (line.startsWith("\t")) {
					String[] parts = line.strip().split("\\s+", 2);
					frames.add((parts.length > 1) ? parts[1] : "[unknown]");
				}
				else {
					pid = Integer.valueOf(line.strip().split("[\\s/]+")[0]);
				}
			}
			if (pid != null) {
				samples.add(new Sample(pid, frames));
			}
		}
		return samples;
	}

	private String describe(List<Sample> samples, long operations) {
		Map<String, Integer> whose = new LinkedHashMap<>();
		whose.put("the service's backends", 0);
		whose.put("the autovacuum stand-in (VACUUM, ANALYZE)", 0);
		whose.put("WAL writer, checkpointer, background writer", 0);
		whose.put("every other backend (api-service, the suite's queries, connections opened and closed)", 0);
		Map<String, Integer> steps = new LinkedHashMap<>();
		STEPS.keySet().forEach((step) -> steps.put(step, 0));
		steps.put("other (expressions, functions, locks)", 0);
		Map<String, Integer> self = new HashMap<>();
		int service = 0;
		for (Sample sample : samples) {
			String owner = owner(sample);
			whose.merge(owner, 1, Integer::sum);
			if (!owner.equals("the service's backends")) {
				continue;
			}
			service++;
			steps.merge(step(sample.frames()), 1, Integer::sum);
			if (!sample.frames().isEmpty()) {
				self.merge(sample.frames().get(0), 1, Integer::sum);
			}
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
					entry.getValue() * perSample / operations, percent(entry.getValue(), serviceSamples)))
			.collect(Collectors.joining(", "));
		String hottest = self.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(8)
			.map((entry) -> String.format(Locale.ROOT, "`%s` %.1f%%", entry.getKey(),
					percent(entry.getValue(), serviceSamples)))
			.collect(Collectors.joining(", "));
		// On a paravirtualised guest, time the kernel spent with interrupts off is
		// sampled when it turns them on again.
		String kernel = hottest.contains("`pvm_irq_enable`")
				? "; `pvm_irq_enable` is kernel time, sampled as the paravirtualised kernel turns interrupts back on"
				: "";
		return ("perf record -a -g -F %d over %d s, %d samples of PostgreSQL's processes (%.1f CPU-s), %d of them "
				+ "the service's %d backends (application_name %s). PostgreSQL's CPU by whom it served: %s. The "
				+ "service's backends by step (each sample counted for the first of these on its stack, in this "
				+ "order), ms of PostgreSQL's CPU per operation: %s; hottest frames (self): %s%s.")
			.formatted(FREQUENCY, this.seconds, samples.size(), samples.size() * perSample / 1000, service,
					this.backends.size(), this.application, byOwner, bySteps, hottest, kernel);
	}

	private String owner(Sample sample) {
		if (this.backends.contains(sample.pid())) {
			return "the service's backends";
		}
		for (String frame : sample.frames()) {
			if (frame.equals("ExecVacuum") || frame.equals("vacuum") || frame.equals("analyze_rel")) {
				return "the autovacuum stand-in (VACUUM, ANALYZE)";
			}
			if (frame.equals("WalWriterMain") || frame.equals("CheckpointerMain")
					|| frame.equals("BackgroundWriterMain")) {
				return "WAL writer, checkpointer, background writer";
			}
		}
		return "every other backend (api-service, the suite's queries, connections opened and closed)";
	}

	private static String step(List<String> frames) {
		for (Map.Entry<String, List<String>> step : STEPS.entrySet()) {
			for (String frame : frames) {
				if (step.getValue().stream().anyMatch(frame::startsWith)) {
					return step.getKey();
				}
			}
		}
		return "other (expressions, functions, locks)";
	}

	private static double percent(int part, int whole) {
		return (whole == 0) ? 0 : part * 100.0 / whole;
	}

}
