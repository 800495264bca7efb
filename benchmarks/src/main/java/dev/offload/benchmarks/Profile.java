package dev.offload.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a service spends its CPU on while a figure runs: async-profiler (from Maven
 * Central, loaded into the running service with {@code jcmd JVMTI.agent_load}) sampling
 * every thread's CPU every millisecond, so a figure of ten seconds on two cores gets
 * thousands of samples, native frames (JIT compilers, GC, system calls) included; its
 * samples grouped by library (inclusive), the hottest frames by self time and the hottest
 * of Offload's own methods. Where async-profiler cannot run (not Linux x64), a Java
 * Flight Recorder recording at 10 ms stands in. CPU time of the service, PostgreSQL and
 * RabbitMQ comes from {@code /proc}. This is how the table's "not met" lines name their
 * bottleneck.
 */
final class Profile {

	private static final Map<String, List<String>> GROUPS = new LinkedHashMap<>();

	static {
		GROUPS.put("JDBC, Hikari, PostgreSQL driver",
				List.of("org.postgresql.", "com.zaxxer.hikari.", "org.springframework.jdbc."));
		GROUPS.put("Spring Security", List.of("org.springframework.security."));
		GROUPS.put("Jackson", List.of("tools.jackson.", "com.fasterxml.jackson."));
		GROUPS.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
		GROUPS.put("RabbitMQ client, Spring AMQP", List.of("com.rabbitmq.", "org.springframework.amqp."));
		GROUPS.put("Tomcat", List.of("org.apache.catalina.", "org.apache.coyote.", "org.apache.tomcat."));
		GROUPS.put("PDFBox", List.of("org.apache.pdfbox.", "org.apache.fontbox."));
		GROUPS.put("Micrometer", List.of("io.micrometer."));
		GROUPS.put("transactions", List.of("org.springframework.transaction."));
		GROUPS.put("BigDecimal", List.of("java.math."));
		GROUPS.put("Commons CSV", List.of("org.apache.commons.csv."));
		GROUPS.put("POI", List.of("org.apache.poi."));
		GROUPS.put("compression", List.of("java.util.zip.", "org.apache.commons.compress."));
		// Native frames, which only async-profiler sees.
		GROUPS.put("JIT compilers", List.of("CompileBroker::", "C2Compiler::", "Compiler::compile"));
		GROUPS.put("GC", List.of("G1", "GangWorker::", "WorkerThread::", "GenCollectedHeap::", "DefNewGeneration::",
				"SerialHeap::", "TenuredGeneration::"));
		GROUPS.put("system calls and kernel", List.of("entry_SYSCALL", "do_syscall"));
	}

	/** async-profiler's library inside its Maven Central jar, for this machine. */
	private static final String LIBRARY = "linux-x64/libasyncProfiler.so";

	private final Path recording;

	private final boolean asyncProfiler;

	private final Bench bench;

	private final CpuSnapshot before;

	private final Map<String, Double> threadsBefore;

	private final JavaProcess process;

	private final String name;

	private Map<String, List<String>> steps = Map.of();

	private final Map<String, Double> stepMillis = new LinkedHashMap<>();

	private double serviceMillisPerOperation = Double.NaN;

	private double postgresMillisPerOperation = Double.NaN;

	private double rabbitMillisPerOperation = Double.NaN;

	private double machineMillisPerOperation = Double.NaN;

	private double machineBusyPercent = Double.NaN;

	private Profile(Bench bench, JavaProcess process, String name, Path recording, boolean asyncProfiler) {
		this.bench = bench;
		this.name = name;
		this.process = process;
		this.recording = recording;
		this.asyncProfiler = asyncProfiler;
		this.before = CpuSnapshot.take(process);
		this.threadsBefore = threadCpu(process.pid());
	}

	/**
	 * Starts recording a service now, for a while; returns once it records. Callers start
	 * it before the window they measure: attaching runs jcmd, a JVM of its own, whose
	 * start-up and the agent's loading take a core for up to a second on this machine,
	 * and inside a latency figure's window they were its slowest requests.
	 * @param bench the run
	 * @param name the recording's name
	 * @param process the service
	 * @param seconds how long to record
	 * @return the profile, to be read with {@link #summary(long)} once the figure is done
	 */
	static Profile start(Bench bench, String name, JavaProcess process, int seconds) {
		Optional<Path> library = library(bench);
		if (library.isEmpty()) {
			return startFlightRecording(bench, name, process, seconds);
		}
		Path collapsed = bench.logs.resolve(name + ".collapsed");
		Profile profile = new Profile(bench, process, name, collapsed, true);
		Tools.exec(
				"asprof-start-" + name, List.of(jdkTool("jcmd"), Long.toString(process.pid()), "JVMTI.agent_load",
						library.get().toString(), "\"start,event=cpu,interval=1ms\""),
				Duration.ofSeconds(30), bench.logs);
		return profile;
	}

	private static Profile startFlightRecording(Bench bench, String name, JavaProcess process, int seconds) {
		Path recording = bench.logs.resolve(name + ".jfr");
		Tools.exec("jcmd-" + name,
				List.of(jdkTool("jcmd"), Long.toString(process.pid()), "JFR.start", "name=" + name,
						"duration=" + seconds + "s", "settings=" + settings(bench), "filename=" + recording),
				Duration.ofSeconds(30), bench.logs);
		return new Profile(bench, process, name, recording, false);
	}

	/**
	 * Whether the profiles come from async-profiler, which has a library for this machine
	 * (Linux x64), rather than from JFR.
	 * @return whether async-profiler can run here
	 */
	static boolean asyncProfilerAvailable() {
		return System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")
				&& Profile.class.getClassLoader().getResource(LIBRARY) != null;
	}

	/**
	 * async-profiler's native library, copied out of its jar (on the suite's classpath)
	 * into the run's logs once.
	 * @return the library, or empty where there is none for this machine
	 */
	private static synchronized Optional<Path> library(Bench bench) {
		if (!asyncProfilerAvailable()) {
			return Optional.empty();
		}
		Path library = bench.logs.resolve("libasyncProfiler.so");
		if (Files.exists(library)) {
			return Optional.of(library);
		}
		try (var in = Profile.class.getClassLoader().getResourceAsStream(LIBRARY)) {
			if (in == null) {
				return Optional.empty();
			}
			Files.copy(in, library);
			return Optional.of(library);
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	/**
	 * Names the steps of one operation, so that the summary says how many milliseconds of
	 * the service's CPU per operation each took: every sample counts for the step of the
	 * innermost frame on its stack that starts with one of a step's prefixes (so a query
	 * inside a step counts for the step, and a wrapper such as the security filter chain
	 * only for what no inner step claims); samples that match none are "other".
	 * @param steps each step's name and frame prefixes, in the order to list them
	 * @return this profile
	 */
	Profile steps(Map<String, List<String>> steps) {
		this.steps = steps;
		return this;
	}

	/**
	 * Summarises the CPU use since the start and the recording.
	 * @param operations how many operations the service did meanwhile (requests,
	 * reports), for CPU per operation
	 * @return one paragraph
	 */
	String summary(long operations) {
		CpuSnapshot after = CpuSnapshot.take(this.process);
		Map<String, Double> threadsAfter = threadCpu(this.process.pid());
		double seconds = (after.nanos - this.before.nanos) / 1e9;
		double service = after.service - this.before.service;
		double postgres = after.postgres - this.before.postgres;
		double rabbit = after.rabbit - this.before.rabbit;
		double busy = after.machineBusy - this.before.machineBusy;
		this.serviceMillisPerOperation = (operations > 0) ? service * 1000 / operations : Double.NaN;
		this.postgresMillisPerOperation = (operations > 0) ? postgres * 1000 / operations : Double.NaN;
		this.rabbitMillisPerOperation = (operations > 0) ? rabbit * 1000 / operations : Double.NaN;
		this.machineBusyPercent = busy * 100 / seconds / Runtime.getRuntime().availableProcessors();
		int cores = Runtime.getRuntime().availableProcessors();
		String cpu = String.format(Locale.ROOT,
				"Over %.0f s the service used %.1f CPU-s (%.2f ms per operation over %d), PostgreSQL %.1f "
						+ "(%.2f ms per operation), RabbitMQ %.1f (%.2f ms); the machine's %d cores were %.0f%% busy "
						+ "(other work included).",
				seconds, service, perOperation(service, operations), operations, postgres,
				perOperation(postgres, operations), rabbit, perOperation(rabbit, operations), cores,
				busy * 100 / seconds / cores);
		double budget = perOperation(service + postgres + rabbit, operations);
		this.machineMillisPerOperation = budget;
		String ceiling = (budget > 0) ? String.format(Locale.ROOT,
				" Together the three took %.1f ms of CPU per operation: on %d cores and nothing else, at most %.0f "
						+ "operations per s.",
				budget, cores, cores * 1000 / budget) : "";
		return cpu + ceiling + " " + threadKinds(this.threadsBefore, threadsAfter, service) + " " + samples();
	}

	/**
	 * Waits while a service's JIT compilers still take much of its CPU: a fresh JVM
	 * compiles its hot code for tens of CPU-seconds, which on two busy cores takes
	 * minutes of wall time, and a figure counted meanwhile measures the compilers.
	 * @param process the service, under load
	 * @param minSeconds the least time to wait
	 * @param maxSeconds the most
	 * @param beforeEachWindow run before each 5 s window the compilers' share is taken
	 * over (to keep the load up, say): returns the nanoseconds of it not to count as
	 * waited, 0 if none
	 * @return how many seconds it waited, those not to count aside
	 */
	static int warmUp(JavaProcess process, int minSeconds, int maxSeconds, LongSupplier beforeEachWindow) {
		long start = System.nanoTime();
		long aside = 0;
		while (true) {
			aside += beforeEachWindow.getAsLong();
			double compilers = compilersShare(process, () -> Pause.millis(5000));
			int waited = (int) Math.round((System.nanoTime() - start - aside) / 1e9);
			if (waited >= maxSeconds || (waited >= minSeconds && compilers < 0.1)) {
				return waited;
			}
		}
	}

	/**
	 * Runs some work and says what share of a service's CPU meanwhile its JIT compilers
	 * took.
	 * @param process the service
	 * @param work what loads it
	 * @return the compilers' share, 0 to 1
	 */
	static double compilersShare(JavaProcess process, Runnable work) {
		Map<String, Double> before = threadCpu(process.pid());
		work.run();
		Map<String, Double> after = threadCpu(process.pid());
		double total = 0;
		double compilers = 0;
		for (Map.Entry<String, Double> thread : after.entrySet()) {
			double used = thread.getValue() - before.getOrDefault(thread.getKey(), 0.0);
			total += used;
			if (thread.getKey().contains("CompilerThre")) {
				compilers += used;
			}
		}
		return (total > 0) ? compilers / total : 0;
	}

	private static double perOperation(double seconds, long operations) {
		return (operations > 0) ? seconds * 1000 / operations : Double.NaN;
	}

	/**
	 * CPU seconds used so far by each thread of a process, by thread id and name, from
	 * {@code /proc/<pid>/task}: JFR's execution samples see only Java code, so where the
	 * JIT compilers or the garbage collector take the CPU, this says so.
	 */
	private static Map<String, Double> threadCpu(long pid) {
		Map<String, Double> threads = new HashMap<>();
		try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			for (Path task : tasks.toList()) {
				Optional<String> stat = CpuSnapshot.read(task.resolve("stat"));
				if (stat.isEmpty() || stat.get().lastIndexOf(')') < 0) {
					continue;
				}
				String text = stat.get();
				String name = text.substring(text.indexOf('(') + 1, text.lastIndexOf(')'));
				String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
				threads.put(task.getFileName() + " " + name,
						(Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CpuSnapshot.TICKS);
			}
		}
		catch (IOException | RuntimeException ex) {
			// A process that ended, or no /proc: no breakdown.
		}
		return threads;
	}

	/**
	 * The process's CPU over the window split into JIT compilers, GC and VM, and the
	 * rest.
	 */
	private static String threadKinds(Map<String, Double> before, Map<String, Double> after, double service) {
		if (after.isEmpty() || !(service > 0)) {
			return "";
		}
		Map<String, Double> kinds = new LinkedHashMap<>();
		kinds.put("JIT compilers", 0.0);
		kinds.put("GC and VM threads", 0.0);
		kinds.put("application and library threads", 0.0);
		after.forEach((thread, seconds) -> {
			String name = thread.substring(thread.indexOf(' ') + 1);
			String kind = name.contains("CompilerThre") ? "JIT compilers"
					: (name.startsWith("G1 ") || name.startsWith("GC Thread") || name.equals("VM Thread")
							|| name.startsWith("VM Periodic")) ? "GC and VM threads"
									: "application and library threads";
			kinds.merge(kind, seconds - before.getOrDefault(thread, 0.0), Double::sum);
		});
		return "Of its CPU by thread (/proc): " + kinds.entrySet()
			.stream()
			.map((entry) -> String.format(Locale.ROOT, "%s %.1f s (%.0f%%)", entry.getKey(), entry.getValue(),
					entry.getValue() * 100 / service))
			.collect(Collectors.joining(", ")) + ".";
	}

	/**
	 * A sentence on what limits the service, from the CPU it used per operation; valid
	 * after {@link #summary(long)}.
	 * @param service the service's name
	 * @param operation what one operation is
	 * @return the sentence
	 */
	String bottleneck(String service, String operation) {
		int cores = Runtime.getRuntime().availableProcessors();
		return String.format(Locale.ROOT,
				"%s used %.1f ms of CPU per %s (PostgreSQL %.1f ms) while the %d cores were %.0f%% busy: its own "
						+ "CPU caps it near %d cores / %.1f ms = %.0f per s even if it had the machine to itself, "
						+ "and here it shares the cores with the load client, PostgreSQL, RabbitMQ and the other "
						+ "service (see the profile note for where the time goes)",
				service, this.serviceMillisPerOperation, operation, this.postgresMillisPerOperation, cores,
				this.machineBusyPercent, cores, this.serviceMillisPerOperation,
				cores * 1000 / this.serviceMillisPerOperation);
	}

	/**
	 * The service's CPU per operation over the profile (the whole process: JIT, GC and
	 * background work such as api-service's outbox relay included), valid after
	 * {@link #summary(long)}.
	 * @return milliseconds
	 */
	double serviceMillisPerOperation() {
		return this.serviceMillisPerOperation;
	}

	/**
	 * The CPU per operation of the service, PostgreSQL and RabbitMQ together, valid after
	 * {@link #summary(long)}.
	 * @return milliseconds
	 */
	double machineMillisPerOperation() {
		return this.machineMillisPerOperation;
	}

	/**
	 * PostgreSQL's CPU per operation, valid after {@link #summary(long)}.
	 * @return milliseconds
	 */
	double postgresMillisPerOperation() {
		return this.postgresMillisPerOperation;
	}

	/**
	 * RabbitMQ's CPU per operation, valid after {@link #summary(long)}.
	 * @return milliseconds
	 */
	double rabbitMillisPerOperation() {
		return this.rabbitMillisPerOperation;
	}

	/**
	 * CPU seconds a service's process has used so far.
	 * @param process the service
	 * @return seconds, or NaN if the process's CPU time cannot be read
	 */
	static double cpuSeconds(JavaProcess process) {
		return ProcessHandle.of(process.pid()).map(Profile::cpuSeconds).orElse(Double.NaN);
	}

	/**
	 * CPU seconds a process has used so far.
	 * @param process the process
	 * @return seconds, or NaN if its CPU time cannot be read
	 */
	static double cpuSeconds(ProcessHandle process) {
		return process.info().totalCpuDuration().map((duration) -> duration.toNanos() / 1e9).orElse(Double.NaN);
	}

	/**
	 * CPU seconds RabbitMQ's processes (every {@code beam.smp}) have used so far.
	 * @return seconds, or NaN if {@code /proc} cannot be read
	 */
	static double rabbitCpuSeconds() {
		return CpuSnapshot.processes("beam.smp");
	}

	/**
	 * CPU seconds PostgreSQL's processes have used so far, backends that have ended
	 * included (in the postmaster's children's time).
	 * @return seconds, or NaN if {@code /proc} cannot be read
	 */
	static double postgresCpuSeconds() {
		return CpuSnapshot.processes("postgres");
	}

	/**
	 * Milliseconds of the service's CPU per operation a step took, valid after
	 * {@link #summary(long)} with async-profiler's samples.
	 * @param step one of the {@link #steps(Map) steps} named
	 * @return milliseconds, or NaN if the step was not split out
	 */
	double stepMillis(String step) {
		return this.stepMillis.getOrDefault(step, Double.NaN);
	}

	/**
	 * How busy the machine's cores were over the profile, valid after
	 * {@link #summary(long)}.
	 * @return percent of all cores
	 */
	double machineBusyPercent() {
		return this.machineBusyPercent;
	}

	private String samples() {
		if (this.asyncProfiler) {
			try {
				Tools.exec("asprof-stop-" + this.name,
						List.of(jdkTool("jcmd"), Long.toString(this.process.pid()), "JVMTI.agent_load",
								library(this.bench).orElseThrow().toString(),
								"\"stop,file=" + this.recording + ",collapsed\""),
						Duration.ofSeconds(60), this.bench.logs);
			}
			catch (IllegalStateException ex) {
				return "(async-profiler did not stop: " + ex.getMessage() + ")";
			}
			Map<List<String>, Integer> stacks = stacks(this.recording);
			return collapsedFrames(stacks) + byStep(stacks);
		}
		try {
			// Ends the recording now if its duration has not run out yet.
			Tools.exec("jcmd-stop-" + this.name,
					List.of(jdkTool("jcmd"), Long.toString(this.process.pid()), "JFR.stop", "name=" + this.name),
					Duration.ofSeconds(30), this.bench.logs);
		}
		catch (IllegalStateException ex) {
			// Already stopped and written.
		}
		for (int i = 0; i < 100 && !Files.exists(this.recording); i++) {
			Pause.millis(200);
		}
		return topFrames(this.bench, this.recording);
	}

	/**
	 * Where async-profiler's samples fall.
	 * @param stacks its collapsed stacks ({@link #stacks(Path)})
	 * @return one sentence, or a note that there were no samples
	 */
	private static String collapsedFrames(Map<List<String>, Integer> stacks) {
		if (stacks.isEmpty()) {
			return "(async-profiler wrote no samples, or they could not be read)";
		}
		return describe("async-profiler, CPU every 1 ms, all threads", stacks);
	}

	/**
	 * Where the samples of async-profiler's collapsed stacks written by a process of its
	 * own fall (such as figure 8's export, which profiles itself).
	 * @param collapsed the collapsed stacks
	 * @return one sentence, or a note that there were no samples
	 */
	static String collapsedSummary(Path collapsed) {
		return collapsedFrames(stacks(collapsed));
	}

	/**
	 * How many milliseconds of the service's CPU per operation each of {@link #steps}
	 * took, from async-profiler's samples.
	 */
	private String byStep(Map<List<String>, Integer> stacks) {
		if (this.steps.isEmpty() || !(this.serviceMillisPerOperation > 0)) {
			return "";
		}
		Map<String, Integer> counts = new LinkedHashMap<>();
		this.steps.keySet().forEach((step) -> counts.put(step, 0));
		counts.put("other", 0);
		int total = 0;
		for (Map.Entry<List<String>, Integer> stack : stacks.entrySet()) {
			String step = "other";
			// Innermost frame first.
			outer: for (String frame : stack.getKey()) {
				for (Map.Entry<String, List<String>> candidate : this.steps.entrySet()) {
					if (candidate.getValue().stream().anyMatch(frame::startsWith)) {
						step = candidate.getKey();
						break outer;
					}
				}
			}
			counts.merge(step, stack.getValue(), Integer::sum);
			total += stack.getValue();
		}
		if (total == 0) {
			return "";
		}
		int samples = total;
		counts.forEach((step, count) -> this.stepMillis.put(step, this.serviceMillisPerOperation * count / samples));
		return " By step (each sample counted for the innermost step on its stack), ms of the service's CPU per "
				+ "operation: "
				+ counts.entrySet()
					.stream()
					.map((entry) -> String.format(Locale.ROOT, "%s %.2f ms (%.0f%%)", entry.getKey(),
							this.serviceMillisPerOperation * entry.getValue() / samples,
							entry.getValue() * 100.0 / samples))
					.collect(Collectors.joining(", "))
				+ ".";
	}

	/**
	 * async-profiler's collapsed stacks: one line per distinct stack, outermost frame
	 * first, then its samples.
	 * @return each stack, innermost frame first, with its samples; empty if unreadable
	 */
	private static Map<List<String>, Integer> stacks(Path collapsed) {
		Map<List<String>, Integer> stacks = new HashMap<>();
		try (Stream<String> lines = Files.lines(collapsed)) {
			lines.filter((line) -> line.lastIndexOf(' ') > 0).forEach((line) -> {
				int space = line.lastIndexOf(' ');
				List<String> frames = new ArrayList<>(
						Stream.of(line.substring(0, space).split(";")).map(Profile::frameName).toList());
				Collections.reverse(frames);
				stacks.merge(frames, Integer.parseInt(line.substring(space + 1).strip()), Integer::sum);
			});
		}
		catch (IOException | RuntimeException ex) {
			return Map.of();
		}
		return stacks;
	}

	/**
	 * A frame of async-profiler's collapsed stacks as the summary names it: a Java method
	 * with dots ({@code java.lang.String.hashCode}), a lambda's generated class without
	 * its address, a native library by its file name, without async-profiler's frame-type
	 * suffix.
	 */
	private static String frameName(String frame) {
		String name = frame.replaceFirst("_\\[[a-z0-9]\\]$", "");
		if (name.startsWith("/")) {
			return name.substring(name.lastIndexOf('/') + 1);
		}
		return name.replace('/', '.').replaceAll("\\$\\$Lambda\\$\\d+\\.0x[0-9a-f]+", "\\$\\$Lambda");
	}

	/**
	 * Where the samples of a finished JFR recording fall: the share of samples inside
	 * each library group, the hottest methods by self time, and the hottest of Offload's
	 * own methods including what they call.
	 * @param bench the run, for its logs
	 * @param recording the recording
	 * @return one sentence, or a note that there were no samples
	 */
	static String topFrames(Bench bench, Path recording) {
		if (!Files.exists(recording)) {
			return "(no JFR recording was written)";
		}
		String text = Tools.exec("jfr-print-" + recording.getFileName(), List.of(jdkTool("jfr"), "print",
				"--stack-depth", "64", "--events", "jdk.ExecutionSample", recording.toString()), Duration.ofMinutes(2),
				bench.logs);
		String[] events = text.split("jdk\\.ExecutionSample");
		Map<List<String>, Integer> stacks = new HashMap<>();
		for (int i = 1; i < events.length; i++) {
			List<String> frames = events[i].lines()
				.map(String::strip)
				.filter((line) -> line.contains("(") && line.contains("line:"))
				.map((line) -> line.substring(0, line.indexOf('(')))
				.toList();
			// Printed 64 frames deep (jfr print shows 5 unless told), innermost first.
			stacks.merge(frames, 1, Integer::sum);
		}
		return describe("JFR", stacks);
	}

	/**
	 * The share of samples inside each library group, the hottest frames by self time,
	 * and the hottest of Offload's own methods including what they call.
	 * @param profiler what took the samples
	 * @param stacks each distinct stack (innermost frame first) and its samples
	 */
	private static String describe(String profiler, Map<List<String>, Integer> stacks) {
		Map<String, Integer> inclusive = new HashMap<>();
		Map<String, Integer> self = new HashMap<>();
		Map<String, Integer> own = new HashMap<>();
		int total = 0;
		for (Map.Entry<List<String>, Integer> stack : stacks.entrySet()) {
			List<String> frames = stack.getKey();
			int count = stack.getValue();
			if (frames.isEmpty()) {
				continue;
			}
			total += count;
			self.merge(frames.get(0), count, Integer::sum);
			Set<String> groups = new HashSet<>();
			for (String frame : frames) {
				GROUPS.forEach((group, prefixes) -> {
					if (prefixes.stream().anyMatch(frame::startsWith)) {
						groups.add(group);
					}
				});
			}
			groups.forEach((group) -> inclusive.merge(group, count, Integer::sum));
			// Offload's methods on the stack, each counted once per sample.
			frames.stream()
				.filter((frame) -> frame.startsWith("dev.offload."))
				.distinct()
				.forEach((frame) -> own.merge(frame, count, Integer::sum));
		}
		if (total == 0) {
			return "(no execution samples)";
		}
		int samples = total;
		String byGroup = inclusive.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(8)
			.map((entry) -> String.format(Locale.ROOT, "%s %.0f%%", entry.getKey(), entry.getValue() * 100.0 / samples))
			.collect(Collectors.joining(", "));
		String hottest = top(self, samples, 6);
		String offload = own.isEmpty() ? "none sampled" : top(own, samples, 6);
		return ("%s, %d samples, share of samples inside: %s; hottest frames (self): %s; hottest Offload methods "
				+ "(with what they call): %s.")
			.formatted(profiler, samples, byGroup, hottest, offload);
	}

	private static String top(Map<String, Integer> counts, int samples, int limit) {
		return counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(limit)
			.map((entry) -> String.format(Locale.ROOT, "`%s` %.1f%%", entry.getKey(),
					entry.getValue() * 100.0 / samples))
			.collect(Collectors.joining(", "));
	}

	/**
	 * JFR's default settings with execution samples every 10 ms instead of 20 ms, so a
	 * figure of a few seconds gets thousands of samples, at the low overhead of the
	 * default settings otherwise (the CPU per operation is read from the same process).
	 * @param bench the run, whose logs folder holds the file
	 * @return the settings file, as {@code -XX:StartFlightRecording} and {@code jcmd
	 * JFR.start} take it
	 */
	static String settings(Bench bench) {
		Path settings = bench.logs.resolve("sampling-10ms.jfc");
		try {
			if (!Files.exists(settings)) {
				String defaults = Files
					.readString(Path.of(System.getProperty("java.home"), "lib", "jfr", "default.jfc"));
				String faster = defaults.replaceFirst(
						"(<event name=\"jdk\\.ExecutionSample\">\\s*<setting name=\"enabled\"[^<]*</setting>\\s*"
								+ "<setting name=\"period\"[^>]*>)20 ms(</setting>)",
						"$110 ms$2");
				Files.writeString(settings, faster);
			}
			return settings.toString();
		}
		catch (IOException ex) {
			return "default";
		}
	}

	private static String jdkTool(String name) {
		return Path.of(System.getProperty("java.home"), "bin", name).toString();
	}

	/** CPU seconds used so far by the service, PostgreSQL, RabbitMQ and the machine. */
	private record CpuSnapshot(long nanos, double service, double postgres, double rabbit, double machineBusy) {

		static final double TICKS = 100.0;

		static CpuSnapshot take(JavaProcess process) {
			return new CpuSnapshot(System.nanoTime(), cpuSeconds(process), processes("postgres"), processes("beam.smp"),
					machineBusyNow());
		}

		private static double processes(String command) {
			double seconds = 0;
			try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
				for (Path entry : entries.filter((path) -> path.getFileName().toString().matches("\\d+")).toList()) {
					Optional<String> stat = read(entry.resolve("stat"));
					if (stat.isEmpty() || !stat.get().contains("(" + command + ")")) {
						continue;
					}
					String[] fields = stat.get().substring(stat.get().lastIndexOf(')') + 2).split(" ");
					// utime and stime are fields 14 and 15 of stat, 12 and 13 after the
					// name; cutime and cstime (16 and 17) are the children it has waited
					// for: the postmaster's hold the CPU of every backend that has ended
					// (pgbench's, a closed connection's), which no longer has a stat of
					// its own.
					seconds += (Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
							+ Long.parseLong(fields[14])) / TICKS;
				}
			}
			catch (IOException ex) {
				return Double.NaN;
			}
			return seconds;
		}

		private static double machineBusyNow() {
			Optional<String> stat = read(Path.of("/proc/stat"));
			if (stat.isEmpty()) {
				return Double.NaN;
			}
			String[] fields = stat.get().lines().findFirst().orElse("").split("\\s+");
			long busy = 0;
			for (int i = 1; i < fields.length; i++) {
				// idle and iowait are fields 4 and 5.
				if (i != 4 && i != 5) {
					busy += Long.parseLong(fields[i]);
				}
			}
			return busy / TICKS;
		}

		static Optional<String> read(Path file) {
			try {
				return Optional.of(Files.readString(file));
			}
			catch (IOException ex) {
				return Optional.empty();
			}
		}

	}

}
