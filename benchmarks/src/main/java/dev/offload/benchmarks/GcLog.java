package dev.offload.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a service's G1 wrote to its {@code -Xlog:gc} file, from an offset on, so a
 * figure sees the collections of its own window without polling the service.
 */
final class GcLog {

	/** A G1 pause line, as in {@code Pause Young (Normal) ... 24M->5M(256M) 3.456ms}. */
	private static final Pattern PAUSE = Pattern.compile("Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\)(?: ([0-9.]+)ms)?");

	private GcLog() {
	}

	/**
	 * The log's size now: the offset to read a window's collections from later.
	 * @param log the log
	 * @return its size, 0 if it does not exist yet or cannot be read
	 */
	static long size(Path log) {
		try {
			return Files.exists(log) ? Files.size(log) : 0;
		}
		catch (IOException ex) {
			return 0;
		}
	}

	/**
	 * The largest heap occupancy G1 logged before a collection since an offset: the
	 * heap's peaks.
	 * @param log the log
	 * @param from the offset
	 * @return the peak in MiB, 0 if there was no collection or the log cannot be read
	 */
	static double heapBeforeCollections(Path log, long from) {
		double peak = 0;
		Optional<Matcher> pause = pauses(log, from);
		while (pause.isPresent() && pause.get().find()) {
			peak = Math.max(peak, Double.parseDouble(pause.get().group(1)));
		}
		return peak;
	}

	/**
	 * The pauses G1 logged since an offset.
	 * @param log the log
	 * @param from the offset
	 * @return how many, the longest and their total, or empty if the log cannot be read
	 */
	static Optional<Pauses> pausesSince(Path log, long from) {
		Optional<Matcher> pause = pauses(log, from);
		if (pause.isEmpty()) {
			return Optional.empty();
		}
		int count = 0;
		double longest = 0;
		double total = 0;
		while (pause.get().find()) {
			if (pause.get().group(4) != null) {
				double millis = Double.parseDouble(pause.get().group(4));
				count++;
				longest = Math.max(longest, millis);
				total += millis;
			}
		}
		return Optional.of(new Pauses(count, longest, total));
	}

	private static Optional<Matcher> pauses(Path log, long from) {
		try {
			String text = Files.readString(log, StandardCharsets.UTF_8);
			return Optional.of(PAUSE.matcher(text.substring((int) Math.min(from, text.length()))));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	/**
	 * G1's pauses over a window.
	 *
	 * @param count how many
	 * @param longestMillis the longest
	 * @param totalMillis all of them together
	 */
	record Pauses(int count, double longestMillis, double totalMillis) {

	}

}
