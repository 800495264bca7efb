package dev.offload.benchmarks;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code RESULT key=value ...} line a {@link LoadClient} prints last.
 *
 * @param values the values by key
 */
record LoadResult(Map<String, String> values) {

	static LoadResult parse(String output) {
		String line = output.lines()
			.filter((candidate) -> candidate.startsWith("RESULT "))
			.reduce((first, second) -> second)
			.orElseThrow(() -> new IllegalStateException("The load client printed no result:\n" + output));
		Map<String, String> values = new HashMap<>();
		for (String pair : line.substring("RESULT ".length()).split(" ")) {
			int equals = pair.indexOf('=');
			values.put(pair.substring(0, equals), pair.substring(equals + 1));
		}
		return new LoadResult(values);
	}

	double number(String key) {
		String value = this.values.get(key);
		return (value != null) ? Double.parseDouble(value) : Double.NaN;
	}

	double throughput() {
		return number("throughput");
	}

	double p50() {
		return number("p50");
	}

	double p99() {
		return number("p99");
	}

	long errors() {
		return (long) number("errors");
	}

	String statuses() {
		return this.values.getOrDefault("statuses", "");
	}

}
