package dev.offload.worker.catalogue;

import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds the base names report files are saved as, from the parts that tell reports apart
 * (type, period, filters): lower case, words joined by hyphens, safe in any file system
 * and URL.
 */
public final class FileNames {

	private FileNames() {
	}

	/**
	 * A file's base name.
	 * @param parts the parts, in order; {@code null} parts (filters not set) are left out
	 * @return for example {@code sales-summary-2024-01-01-2024-12-31-north-america}
	 */
	public static String of(Object... parts) {
		return Stream.of(parts)
			.filter(Objects::nonNull)
			.map((part) -> part.toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"))
			.map((part) -> part.replaceAll("^-|-$", ""))
			.filter((part) -> !part.isEmpty())
			.collect(Collectors.joining("-"));
	}

	/**
	 * The parts of a period: its first and last day.
	 * @param period the period
	 * @return {@code 2024-01-01-2024-12-31}
	 */
	public static String of(Period period) {
		return of(period.from(), period.to());
	}

}
