package dev.offload.benchmarks.baseline;

import javax.sql.DataSource;

import dev.offload.worker.catalogue.salessummary.SynchronousReports;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The synchronous baseline of figure 3, benchmark-only: the same report built in the
 * request thread, and the same cheap read, in one web application, as the design Offload
 * replaces would have it. Run by the suite with {@code --spring.config.name=baseline}.
 */
@SpringBootApplication
public class BaselineApplication {

	@Bean
	SynchronousReports synchronousReports(DataSource dataSource) {
		return new SynchronousReports(dataSource);
	}

	public static void main(String[] args) {
		SpringApplication.run(BaselineApplication.class, args);
	}

}
