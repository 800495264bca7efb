package dev.offload.api.schedule;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A clock the tests move, shared by every application context it is registered in (as the
 * {@code clock} bean, which the application's own then gives way to).
 */
final class SettableClock extends Clock {

	private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

	void set(String instant) {
		this.now.set(Instant.parse(instant));
	}

	@Override
	public Instant instant() {
		return this.now.get();
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException();
	}

	/**
	 * Registers the clock in a context before its beans are defined.
	 * @return the initializer
	 */
	ApplicationContextInitializer<ConfigurableApplicationContext> registrar() {
		return (context) -> context.getBeanFactory().registerSingleton("clock", this);
	}

}
