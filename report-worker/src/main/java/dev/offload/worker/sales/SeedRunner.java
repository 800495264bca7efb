package dev.offload.worker.sales;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Seeds the sales data and exits, when the worker runs with the {@code seed} profile:
 * {@code java -jar report-worker-exec.jar --spring.profiles.active=seed --offload.seed.orders=100000}.
 * The profile's configuration keeps the listeners and the web server from starting.
 */
@Component
@Profile("seed")
class SeedRunner implements ApplicationRunner {

	private final SalesSeeder seeder;

	private final SeedProperties properties;

	private final ConfigurableApplicationContext context;

	SeedRunner(SalesSeeder seeder, SeedProperties properties, ConfigurableApplicationContext context) {
		this.seeder = seeder;
		this.properties = properties;
		this.context = context;
	}

	@Override
	public void run(ApplicationArguments args) {
		this.seeder.seed(this.properties.orders());
		// Closing the context ends the process: nothing else keeps it alive.
		SpringApplication.exit(this.context);
	}

}
