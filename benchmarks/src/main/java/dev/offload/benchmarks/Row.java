package dev.offload.benchmarks;

/**
 * One line of the results table.
 *
 * @param figure the figure of issue 6 it belongs to, e.g. {@code 1}
 * @param measure what was measured
 * @param system the value for Offload
 * @param reference the value of the reference measured beside it
 * @param ratio system divided by reference, or empty
 * @param target the target, or empty if none
 * @param met {@code yes}, {@code NO} or empty when there is no target
 */
record Row(String figure, String measure, String system, String reference, String ratio, String target, String met) {

	static String met(boolean met) {
		return met ? "yes" : "NO";
	}

}
