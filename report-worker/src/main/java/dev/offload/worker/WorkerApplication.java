package dev.offload.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The report worker: consumes report tasks from RabbitMQ with a prefetch limit, builds
 * and stores the reports, publishes their events and emails their owners. Its HTTP port
 * serves only the actuator endpoints; the public API lives in api-service.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {

	public static void main(String[] args) {
		SpringApplication.run(WorkerApplication.class, args);
	}

}
