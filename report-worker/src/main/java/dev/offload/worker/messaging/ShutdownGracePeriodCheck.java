package dev.offload.worker.messaging;

import java.time.Duration;

import org.springframework.boot.convert.DurationStyle;

/**
 * Fails start-up when the listener containers' grace period would be cut short: Spring
 * stops each shutdown phase after {@code spring.lifecycle.timeout-per-shutdown-phase},
 * and a container cut off before its grace period ends loses the chance to finish the
 * reports in hand.
 *
 * @param gracePeriod {@code offload.worker.shutdown-grace-period}
 * @param shutdownPhase {@code spring.lifecycle.timeout-per-shutdown-phase}
 */
record ShutdownGracePeriodCheck(Duration gracePeriod, Duration shutdownPhase) {

	ShutdownGracePeriodCheck {
		if (gracePeriod.compareTo(shutdownPhase) >= 0) {
			throw new IllegalStateException("offload.worker.shutdown-grace-period ("
					+ DurationStyle.SIMPLE.print(gracePeriod)
					+ ") must be shorter than spring.lifecycle.timeout-per-shutdown-phase ("
					+ DurationStyle.SIMPLE.print(shutdownPhase) + "), which cuts the listeners' shutdown short; "
					+ "raise the phase timeout (and the platform's termination grace period) or shorten the grace "
					+ "period");
		}
	}

}
