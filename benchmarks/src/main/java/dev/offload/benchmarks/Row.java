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

	/** How a target of issue 16 is marked, so its summary can list them. */
	static final String ISSUE_16 = " (issue 16, target %d)";

	/**
	 * A target of issue 16 ("as light as the best job systems").
	 * @param number the target's number in the issue, 1 to 4
	 * @param condition the condition, e.g. {@code <= 1.0 ms}
	 * @return the target column's text
	 */
	static String issue16(int number, String condition) {
		return condition + ISSUE_16.formatted(number);
	}

	/**
	 * Whether this row checks a target of issue 16.
	 * @return its number, or 0
	 */
	int issue16Target() {
		for (int number = 1; number <= 4; number++) {
			if (this.target.endsWith(ISSUE_16.formatted(number))) {
				return number;
			}
		}
		return 0;
	}

}
